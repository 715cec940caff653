package dev.attnc.runtime.generate;

/**
 * A decoder seen one token at a time: what {@link Generator} and {@link Perplexity} drive. The
 * model keeps its own cache of keys and values; {@link #reset} empties it.
 */
public interface TokenModel {

    /** How many tokens the vocabulary has: the length of every row of logits. */
    int vocabularySize();

    /** The most tokens the cache holds: prompt and generated tokens together. */
    int contextLength();

    /**
     * Appends {@code tokens} to the sequence (a prompt: all of them in one call) and returns
     * the logits of the next token after the last one.
     */
    float[] append(int[] tokens);

    /**
     * Appends {@code tokens} and returns the logits after each of them, {@code tokens.length}
     * rows of {@link #vocabularySize} values: what perplexity needs.
     */
    float[][] appendAll(int[] tokens);

    /** Forgets the sequence: the next append starts at position 0. */
    void reset();
}
