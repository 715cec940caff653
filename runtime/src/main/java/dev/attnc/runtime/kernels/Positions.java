package dev.attnc.runtime.kernels;

/** Position-dependent constants: ALiBi slopes and RoPE frequencies. */
public final class Positions {
    private Positions() {
    }

    /**
     * The angular frequencies of RoPE for each pair k of the rotated features,
     * {@code base^(-2k / rotaryDim)}, in double precision (a position's angle is its index times
     * these, and stays exact far beyond the float range of positions). No scaling.
     */
    public static double[] ropeFrequencies(int rotaryDim, double base) {
        double[] frequencies = new double[rotaryDim / 2];
        for (int k = 0; k < frequencies.length; k++) {
            frequencies[k] = Math.pow(base, -2.0 * k / rotaryDim);
        }
        return frequencies;
    }

    /** Position interpolation: every frequency divided by {@code factor}. */
    public static double[] ropeFrequenciesLinear(int rotaryDim, double base, double factor) {
        double[] frequencies = ropeFrequencies(rotaryDim, base);
        for (int k = 0; k < frequencies.length; k++) {
            frequencies[k] /= factor;
        }
        return frequencies;
    }

    /**
     * Frequencies divided one by one by a checkpoint's own divisors (a GGUF file's
     * {@code rope_freqs} tensor): pair {@code k} turns by {@code base^(-2k / rotaryDim) /
     * divisors[k]} per position, as llama.cpp applies them. llama.cpp's conversion of Llama 3.1
     * stores its frequency scaling ({@link #ropeFrequenciesLlama3}) this way.
     *
     * @throws IllegalArgumentException if there are not {@code rotaryDim / 2} divisors, or one is
     *     not a finite number above 0
     */
    public static double[] ropeFrequenciesDivided(int rotaryDim, double base, double[] divisors) {
        double[] frequencies = ropeFrequencies(rotaryDim, base);
        if (divisors.length != frequencies.length) {
            throw new IllegalArgumentException("RoPE of rotated width " + rotaryDim + " takes " + frequencies.length
                    + " frequency divisors, found " + divisors.length);
        }
        for (int k = 0; k < frequencies.length; k++) {
            if (!(divisors[k] > 0) || !Double.isFinite(divisors[k])) {
                throw new IllegalArgumentException("RoPE frequency divisor " + k + " is " + divisors[k]
                        + ", expected a finite number above 0");
            }
            frequencies[k] /= divisors[k];
        }
        return frequencies;
    }

    /**
     * Llama 3.1's frequency scaling: wavelengths shorter than {@code originalContext /
     * highFreqFactor} keep their frequency, those longer than {@code originalContext /
     * lowFreqFactor} are divided by {@code factor}, and those between blend the two linearly
     * in {@code originalContext / wavelength}.
     */
    public static double[] ropeFrequenciesLlama3(int rotaryDim, double base, double factor, double lowFreqFactor,
            double highFreqFactor, double originalContext) {
        double[] frequencies = ropeFrequencies(rotaryDim, base);
        double longest = originalContext / lowFreqFactor;
        double shortest = originalContext / highFreqFactor;
        for (int k = 0; k < frequencies.length; k++) {
            double wavelength = 2 * Math.PI / frequencies[k];
            if (wavelength > longest) {
                frequencies[k] /= factor;
            } else if (wavelength >= shortest) {
                double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                frequencies[k] = (1 - smooth) * frequencies[k] / factor + smooth * frequencies[k];
            }
        }
        return frequencies;
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
