package dev.attnc.runtime.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Text generation: the prompt in one call (prefill), then one call per new token (decode),
 * each token handed to a listener as soon as it is chosen, until an end-of-sequence token, the
 * step limit or the model's context length.
 */
public final class Generator {

    /** Receives each new token as it is decoded: for streaming text to a user. */
    @FunctionalInterface
    public interface TokenListener {
        void token(int id);
    }

    /** Why generation stopped. */
    public enum Stop {
        END_OF_SEQUENCE, STEPS, CONTEXT
    }

    /**
     * What a generation did.
     *
     * @param tokens the new tokens, without the prompt (an end-of-sequence token is not included)
     * @param promptNanos time of the prefill call, the first token's sampling included
     * @param decodeNanos time of the decode calls
     */
    public record Result(List<Integer> tokens, int promptTokens, long promptNanos, long decodeNanos, Stop stop) {
        /** Prompt tokens a second in the prefill. */
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        /** New tokens a second after the first (each one decode call). */
        public double decodeTokensPerSecond() {
            int decoded = Math.max(0, tokens.size() - 1 + (stop == Stop.END_OF_SEQUENCE ? 1 : 0));
            return decodeNanos == 0 ? 0 : decoded * 1e9 / decodeNanos;
        }
    }

    private final TokenModel model;
    private final Set<Integer> endOfSequence;

    /** @param endOfSequence the ids that end a generation (a vocabulary's EOS, and any end-of-turn tokens) */
    public Generator(TokenModel model, Set<Integer> endOfSequence) {
        this.model = model;
        this.endOfSequence = Set.copyOf(endOfSequence);
    }

    /**
     * Generates up to {@code steps} new tokens after {@code prompt}, starting from an empty cache.
     *
     * @throws IllegalArgumentException if the prompt is empty, holds an id outside the
     *     vocabulary, or does not fit in the context
     */
    public Result generate(int[] prompt, int steps, Sampler sampler, TokenListener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens (a BOS token at least is needed)");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be 0 or more, not " + steps);
        }
        int vocabulary = model.vocabularySize();
        for (int id : prompt) {
            if (id < 0 || id >= vocabulary) {
                throw new IllegalArgumentException("prompt token " + id + " is outside the vocabulary of " + vocabulary);
            }
        }
        if (prompt.length > model.contextLength()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, more than the model's context of "
                    + model.contextLength());
        }
        model.reset();
        List<Integer> generated = new ArrayList<>();
        if (steps == 0) {
            return new Result(generated, prompt.length, 0, 0, Stop.STEPS);
        }
        long start = System.nanoTime();
        int next = sampler.next(model.append(prompt));
        long promptNanos = System.nanoTime() - start;
        long decodeNanos = 0;
        int position = prompt.length;
        while (true) {
            if (endOfSequence.contains(next)) {
                return new Result(generated, prompt.length, promptNanos, decodeNanos, Stop.END_OF_SEQUENCE);
            }
            generated.add(next);
            listener.token(next);
            if (generated.size() == steps) {
                return new Result(generated, prompt.length, promptNanos, decodeNanos, Stop.STEPS);
            }
            if (position == model.contextLength()) {
                return new Result(generated, prompt.length, promptNanos, decodeNanos, Stop.CONTEXT);
            }
            long before = System.nanoTime();
            next = sampler.next(model.append(new int[] {next}));
            decodeNanos += System.nanoTime() - before;
            position++;
        }
    }
}
