package dev.attnc.runtime.generate;

import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import java.util.Map;

/**
 * A generated decoder seen as a {@link TokenModel}: token ids go into its int input, logits come
 * from its float output of shape {@code [T, vocabulary]}. The first append after a reset runs
 * {@link Decoder#forward} (the prompt, all rows at once), later ones {@link Decoder#step}.
 *
 * <pre>{@code
 * Decoder decoder = attnModel.loadDecoder(weights);
 * TokenModel tokens = new DecoderTokenModel(decoder, "ids", "logits", tokenizer.vocabularySize());
 * Generator.Result result = new Generator(tokens, Set.of(tokenizer.eosId()))
 *         .generate(tokenizer.encode("Once upon a time", true), 40, Sampler.greedy(), id -> { });
 * }</pre>
 */
public final class DecoderTokenModel implements TokenModel {
    private final Decoder decoder;
    private final String input;
    private final String output;
    private final int vocabulary;

    /**
     * @param vocabulary how many logits each row has (the tokenizer's vocabulary); checked on
     *     every call against the model's output
     */
    public DecoderTokenModel(Decoder decoder, String input, String output, int vocabulary) {
        this.decoder = decoder;
        this.input = input;
        this.output = output;
        this.vocabulary = vocabulary;
    }

    @Override
    public int vocabularySize() {
        return vocabulary;
    }

    @Override
    public int contextLength() {
        return decoder.maxPositions();
    }

    @Override
    public float[] append(int[] tokens) {
        float[] all = run(tokens);
        float[] last = new float[vocabulary];
        System.arraycopy(all, (tokens.length - 1) * vocabulary, last, 0, vocabulary);
        return last;
    }

    @Override
    public float[][] appendAll(int[] tokens) {
        float[] all = run(tokens);
        float[][] rows = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(all, i * vocabulary, (i + 1) * vocabulary);
        }
        return rows;
    }

    @Override
    public void reset() {
        decoder.reset();
    }

    private float[] run(int[] tokens) {
        Map<String, Tensor> inputs = Map.of(input, Tensor.ints(tokens.clone(), tokens.length));
        Map<String, Tensor> outputs = decoder.cachedPositions() == 0 ? decoder.forward(inputs) : decoder.step(inputs);
        Tensor logits = outputs.get(output);
        if (logits == null) {
            throw new ModelInputException("the model has no output `" + output + "`; it has " + outputs.keySet());
        }
        if (logits.rank() != 2 || logits.dim(0) != tokens.length || logits.dim(1) != vocabulary) {
            throw new ModelInputException("output `" + output + "` is " + logits.shapeString() + ", expected [" + tokens.length
                    + ", " + vocabulary + "] (a row of logits per token over the tokenizer's " + vocabulary + " tokens)");
        }
        return logits.floatData();
    }
}
