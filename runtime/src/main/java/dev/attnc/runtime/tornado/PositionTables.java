package dev.attnc.runtime.tornado;

import dev.attnc.runtime.ModelInputException;

/**
 * Sine and cosine tables for the positional encodings of the TornadoVM backend, computed once
 * on the host in double precision and rounded to float only when stored.
 *
 * <p>Kernels look angles up instead of computing them, for two reasons seen on a real
 * TornadoVM: float32 angles such as {@code pos / pow(base, 2k / d)} drift by about 2e-4 at
 * position 4096, made worse because TornadoVM builds OpenCL kernels with fast relaxed math
 * (large-argument sin and cos lose precision); and {@code TornadoMath.pow} inside a loop that
 * TornadoVM unrolls fully crashes its kernel compiler with "unknown op POW" (its constant
 * folding of float intrinsics has no case for pow). A table entry is within half a float ulp of
 * the exact value at every position.
 *
 * <p>Each table holds only the positions the compiled class can reach (its largest sequence
 * length) and only the pairs the encoding turns.
 */
public final class PositionTables {
    /** No table larger than this many floats (256 MiB) is built. */
    public static final long MAX_ENTRIES = 1L << 26;

    private PositionTables() {
    }

    /**
     * {@code [positions][rotaryDim / 2]}: {@code cos(t * base^(-2k / rotaryDim))} for RoPE, row
     * t, column k (the angle of {@code Kernels.rope} on the JVM backend).
     */
    public static float[] ropeCos(int positions, int rotaryDim, double base) {
        return rope(positions, rotaryDim, base, true);
    }

    /** As {@link #ropeCos}, the sines. */
    public static float[] ropeSin(int positions, int rotaryDim, double base) {
        return rope(positions, rotaryDim, base, false);
    }

    /**
     * {@code [positions][frequencies.length]}: {@code cos(t * frequencies[k])}, for RoPE whose
     * frequencies are scaled ({@code dev.attnc.runtime.kernels.Positions}: Llama 3.1's, linear, or
     * a checkpoint's own divisors), the angles of {@code Kernels.rope} on the JVM backend.
     */
    public static float[] ropeCos(int positions, double[] frequencies) {
        return rope(positions, frequencies, true);
    }

    /** As {@link #ropeCos(int, double[])}, the sines. */
    public static float[] ropeSin(int positions, double[] frequencies) {
        return rope(positions, frequencies, false);
    }

    private static float[] rope(int positions, int rotaryDim, double base, boolean cosine) {
        double[] frequencies = new double[rotaryDim / 2];
        for (int k = 0; k < frequencies.length; k++) {
            frequencies[k] = Math.pow(base, -2.0 * k / rotaryDim);
        }
        return rope(positions, frequencies, cosine);
    }

    private static float[] rope(int positions, double[] frequencies, boolean cosine) {
        int pairs = frequencies.length;
        float[] table = new float[checkedSize(positions, pairs)];
        for (int t = 0; t < positions; t++) {
            for (int k = 0; k < pairs; k++) {
                double angle = t * frequencies[k];
                table[t * pairs + k] = (float) (cosine ? Math.cos(angle) : Math.sin(angle));
            }
        }
        return table;
    }

    /**
     * {@code [positions][width]}: the sinusoidal encoding of Vaswani et al., feature 2k the sine
     * of {@code t / base^(2k / width)} and feature 2k + 1 its cosine (an odd last feature is 0).
     */
    public static float[] sinusoidal(int positions, int width, double base) {
        float[] table = new float[checkedSize(positions, width)];
        double[] divisors = new double[width / 2];
        for (int k = 0; k < width / 2; k++) {
            divisors[k] = Math.pow(base, 2.0 * k / width);
        }
        for (int t = 0; t < positions; t++) {
            for (int k = 0; k < width / 2; k++) {
                double angle = t / divisors[k];
                table[t * width + 2 * k] = (float) Math.sin(angle);
                table[t * width + 2 * k + 1] = (float) Math.cos(angle);
            }
        }
        return table;
    }

    /**
     * Checks the first {@code count} positions of input {@code name} (a RoPE's {@code positions = ...})
     * against the {@code positions} rows of its tables: a kernel cannot report a position past them.
     *
     * @throws ModelInputException naming the input, the row and the position
     */
    public static void checkPositions(String name, int[] values, int count, int positions) {
        for (int row = 0; row < count; row++) {
            int position = values[row];
            if (position < 0 || position >= positions) {
                throw new ModelInputException("input `" + name + "` holds position " + position + " at row " + row
                        + ", outside the positions 0 to " + (positions - 1) + " the RoPE tables of this TornadoVM class hold"
                        + " (its largest sequence length); the JVM backend takes any position");
            }
        }
    }

    private static int checkedSize(int positions, int columns) {
        if (positions < 0 || columns < 0) {
            throw new IllegalArgumentException("a position table of " + positions + " x " + columns + " entries");
        }
        long size = (long) positions * columns;
        if (size > MAX_ENTRIES) {
            throw new IllegalArgumentException("a position table of " + positions + " x " + columns + " floats is larger than "
                    + MAX_ENTRIES + "; compile with a smaller maximum sequence length");
        }
        return (int) size;
    }
}
