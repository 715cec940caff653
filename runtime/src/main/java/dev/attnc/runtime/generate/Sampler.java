package dev.attnc.runtime.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits. Temperature 0 is greedy: the largest logit, ties
 * to the lowest id. Otherwise the logits are divided by the temperature, turned into
 * probabilities (max-subtracted softmax, in double), cut to the {@code topK} most likely and then
 * to the smallest set whose probability reaches {@code topP}, and one token is drawn from what
 * is left with a generator seeded by {@code seed}: the same seed gives the same text.
 *
 * <p>Not thread-safe: one sampler per generation.
 */
public final class Sampler {
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;

    private Sampler(double temperature, int topK, double topP, long seed) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    /** Always the most likely token, the lowest id among equals. */
    public static Sampler greedy() {
        return new Sampler(0, 0, 1, 0);
    }

    /**
     * @param temperature 0 for greedy, else above 0 (1 keeps the model's distribution)
     * @param topK keep only the k most likely tokens; 0 keeps them all
     * @param topP keep the most likely tokens until their probability reaches p, in (0, 1]
     * @param seed the random generator's seed
     * @throws IllegalArgumentException for a value outside these ranges, naming it
     */
    public static Sampler of(double temperature, int topK, double topP, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or above, not " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be 0 (all tokens) or above, not " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be above 0 and at most 1, not " + topP);
        }
        return new Sampler(temperature, topK, topP, seed);
    }

    /** The next token; {@code logits} is left as it was. */
    public int next(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("no logits to sample from");
        }
        if (temperature == 0) {
            return argmax(logits);
        }
        double[] probabilities = probabilities(logits);
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Most likely first; equal probabilities by id, so the cut below does not depend on the sort.
        Arrays.sort(order, (a, b) -> probabilities[a] != probabilities[b] ? Double.compare(probabilities[b], probabilities[a])
                : Integer.compare(a, b));
        int kept = topK == 0 ? order.length : Math.min(topK, order.length);
        double cut = topP * total(probabilities, order, kept);   // top-p is measured within top-k
        double mass = 0;
        for (int i = 0; i < kept; i++) {
            mass += probabilities[order[i]];
            if (mass >= cut) {
                kept = i + 1;
                break;
            }
        }
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            sum += probabilities[order[i]];
        }
        double draw = random.nextDouble() * sum;
        for (int i = 0; i < kept; i++) {
            draw -= probabilities[order[i]];
            if (draw < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    /** The probability mass of the first {@code kept} tokens in {@code order}. */
    private static double total(double[] probabilities, Integer[] order, int kept) {
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probabilities[order[i]];
        }
        return total;
    }

    /** Softmax of logits / temperature, max-subtracted; a NaN logit counts as impossible. */
    double[] probabilities(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            if (logit == logit) {
                max = Math.max(max, logit);
            }
        }
        double[] probabilities = new double[logits.length];
        if (max == Double.NEGATIVE_INFINITY) {
            Arrays.fill(probabilities, 1.0 / logits.length);
            return probabilities;
        }
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            double p = logits[i] == logits[i] ? Math.exp((logits[i] - max) / temperature) : 0;
            probabilities[i] = p;
            sum += p;
        }
        for (int i = 0; i < logits.length; i++) {
            probabilities[i] /= sum;
        }
        return probabilities;
    }

    /** The index of the largest logit, the lowest among equals; NaN never wins. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best] || logits[best] != logits[best] && logits[i] == logits[i]) {
                best = i;
            }
        }
        return best;
    }
}
