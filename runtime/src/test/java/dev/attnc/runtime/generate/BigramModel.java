package dev.attnc.runtime.generate;

import java.util.SplittableRandom;

/** A toy decoder for tests: the logits after a token are a fixed row of a random table. */
final class BigramModel implements TokenModel {
    final float[][] table;
    private final int context;
    int position;
    int appendCalls;

    BigramModel(int vocabulary, int context, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        table = new float[vocabulary][vocabulary];
        for (float[] row : table) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (random.nextDouble() * 6 - 3);
            }
        }
        this.context = context;
    }

    @Override
    public int vocabularySize() {
        return table.length;
    }

    @Override
    public int contextLength() {
        return context;
    }

    @Override
    public float[] append(int[] tokens) {
        float[][] all = appendAll(tokens);
        return all[all.length - 1];
    }

    @Override
    public float[][] appendAll(int[] tokens) {
        appendCalls++;
        if (position + tokens.length > context) {
            throw new IllegalStateException("cache overflow at " + position + " + " + tokens.length);
        }
        position += tokens.length;
        float[][] rows = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            rows[i] = table[tokens[i]].clone();
        }
        return rows;
    }

    @Override
    public void reset() {
        position = 0;
    }
}
