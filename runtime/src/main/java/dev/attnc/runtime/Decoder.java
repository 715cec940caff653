package dev.attnc.runtime;

import java.util.Map;

/**
 * A model that decodes token by token: every attention of it keeps a KV cache
 * ({@code attention(..., cache = true)}). {@link #forward} runs a whole sequence from position 0
 * and leaves it in the caches (the prompt: prefill); each {@link #step} then runs only new rows
 * (one token: {@code T = 1}), which attend to everything cached before them and are cached in
 * turn. The rows {@code step} returns equal the matching rows of {@code forward} on the whole
 * sequence.
 *
 * <pre>{@code
 * try (Model model = attnModel.load(weights)) {
 *     Decoder decoder = (Decoder) model;          // or attnModel.loadDecoder(weights)
 *     Tensor logits = decoder.forward(Map.of("ids", Tensor.ints(prompt, prompt.length))).get("logits");
 *     int next = argmaxOfLastRow(logits);
 *     logits = decoder.step(Map.of("ids", Tensor.ints(new int[] {next}, 1))).get("logits");
 * }
 * }</pre>
 */
public interface Decoder extends Model {

    /**
     * Runs the next rows after those cached: the inputs hold only the new rows.
     *
     * @throws ModelInputException if the inputs are wrong, or the caches would pass the model's
     *     largest sequence length ({@link #maxPositions()})
     */
    Map<String, Tensor> step(Map<String, Tensor> inputs);

    /** Empties the KV caches: the next {@link #step} starts a new sequence at position 0. */
    void reset();

    /** How many positions the KV caches hold: where the next step's first row goes. */
    int cachedPositions();

    /** The most positions the caches can hold: the bound of the model's run-time dim. */
    int maxPositions();
}
