package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoPE as real checkpoints need it, against float64 references written here from the formulas:
 * both pairings, partial rotation, explicit positions, and Llama 3.1's frequency scaling. The
 * angle {@code t * theta_k} is exact in double, so even at position 32767 the result is the
 * float64 rotation rounded once: within 1e-6 for inputs of magnitude below 1.
 */
class RopeTest {
    private static final int LONG_CONTEXT = 32768;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void longSequencesStayExact(boolean interleaved) {
        int heads = 2;
        int headDim = 64;
        int rows = LONG_CONTEXT;
        int width = heads * headDim;
        float[] in = random(rows * width, 1);
        float[] out = new float[in.length];
        double base = 500000;
        Kernels.rope(rows, heads, headDim, interleaved, Positions.ropeFrequencies(headDim, base), null, 0, 0, 0,
                in, 0, width, out, 0, width);
        double error = 0;
        for (int t = 0; t < rows; t++) {
            for (int h = 0; h < heads; h++) {
                for (int k = 0; k < headDim / 2; k++) {
                    int first = t * width + h * headDim + (interleaved ? 2 * k : k);
                    int second = t * width + h * headDim + (interleaved ? 2 * k + 1 : k + headDim / 2);
                    double angle = t / Math.pow(base, 2.0 * k / headDim);
                    double a = in[first];
                    double b = in[second];
                    error = Math.max(error, Math.abs(out[first] - (a * Math.cos(angle) - b * Math.sin(angle))));
                    error = Math.max(error, Math.abs(out[second] - (a * Math.sin(angle) + b * Math.cos(angle))));
                }
            }
        }
        System.out.printf("rope %s at T = %d: max abs error %.3g%n", interleaved ? "interleaved" : "half", rows, error);
        assertTrue(error <= 1e-6, "max abs error " + error);
    }

    @Test
    void partialRotationAndExplicitPositions() {
        int heads = 3;
        int headDim = 16;
        int rotary = 8;
        int rows = 5;
        int width = heads * headDim;
        int[] positions = {7, 0, 40000, 3, 3};
        float[] in = random(rows * width, 2);
        float[] out = new float[in.length];
        Kernels.rope(rows, heads, headDim, false, Positions.ropeFrequencies(rotary, 10000), positions, 0, 1, 999,
                in, 0, width, out, 0, width);
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int at = r * width + h * headDim;
                for (int k = 0; k < rotary / 2; k++) {
                    double angle = positions[r] * Math.pow(10000, -2.0 * k / rotary);
                    double a = in[at + k];
                    double b = in[at + k + rotary / 2];
                    assertEquals(a * Math.cos(angle) - b * Math.sin(angle), out[at + k], 1e-6);
                    assertEquals(a * Math.sin(angle) + b * Math.cos(angle), out[at + k + rotary / 2], 1e-6);
                }
                for (int c = rotary; c < headDim; c++) {
                    assertEquals(in[at + c], out[at + c], 0.0, "features past rotary_dim are copied");
                }
            }
        }
    }

    @Test
    void llama3ScalingFollowsTheThreeCases() {
        // Llama 3.1 8B's values: head width 128, theta 500000, factor 8, 1 and 4, original context 8192.
        double[] scaled = Positions.ropeFrequenciesLlama3(128, 500000, 8, 1, 4, 8192);
        int high = 0;
        int low = 0;
        int blended = 0;
        for (int k = 0; k < 64; k++) {
            double plain = 1 / Math.pow(500000, 2.0 * k / 128);
            double wavelength = 2 * Math.PI / plain;
            double expected;
            if (wavelength < 8192 / 4.0) {
                expected = plain;
                high++;
            } else if (wavelength > 8192 / 1.0) {
                expected = plain / 8;
                low++;
            } else {
                double smooth = (8192 / wavelength - 1) / (4 - 1);
                expected = (1 - smooth) * plain / 8 + smooth * plain;
                blended++;
            }
            assertEquals(expected, scaled[k], 1e-15 * plain, "pair " + k);
        }
        assertTrue(high > 0 && low > 0 && blended > 0, high + " kept, " + low + " divided, " + blended + " blended");
        double[] linear = Positions.ropeFrequenciesLinear(128, 500000, 4);
        assertEquals(1 / Math.pow(500000, 2.0 * 5 / 128) / 4, linear[5], 1e-15 * linear[5]);
    }

    private static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        return values;
    }
}
