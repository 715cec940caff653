package dev.attnc.runtime.kernels;

/** Position-dependent constants: ALiBi slopes. */
public final class Positions {
    private Positions() {
    }

    /**
     * The ALiBi slopes of Press et al. for {@code heads} heads: for a power of two n,
     * 2^(-8/n), 2^(-16/n), ...; otherwise the slopes of the largest power of two below, then
     * every other slope of twice that power, as in the paper's reference code.
     */
    public static float[] alibiSlopes(int heads) {
        double[] slopes = slopes(heads);
        float[] result = new float[heads];
        for (int h = 0; h < heads; h++) {
            result[h] = (float) slopes[h];
        }
        return result;
    }

    private static double[] slopes(int heads) {
        int power = Integer.highestOneBit(heads);
        double[] base = powerOfTwoSlopes(power);
        if (power == heads) {
            return base;
        }
        double[] doubled = powerOfTwoSlopes(2 * power);
        double[] slopes = new double[heads];
        System.arraycopy(base, 0, slopes, 0, power);
        for (int extra = 0; extra < heads - power; extra++) {
            slopes[power + extra] = doubled[2 * extra];
        }
        return slopes;
    }

    private static double[] powerOfTwoSlopes(int n) {
        double start = Math.pow(2, -8.0 / n);
        double[] slopes = new double[n];
        for (int h = 0; h < n; h++) {
            slopes[h] = Math.pow(start, h + 1);
        }
        return slopes;
    }
}
