package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.tornado.PositionTables;
import dev.attnc.runtime.weights.RandomWeights;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Positional encodings on the TornadoVM backend stay exact far out: angles are computed on the
 * host in double precision into tables, so RoPE and the sinusoidal encoding are within 1e-6 of a
 * float64 reference at position 32767 (float32 angles in a kernel were off by about 2e-4 at
 * position 4096). Checked on the tables themselves and through a generated class whose kernels
 * run on the JVM.
 */
class TornadoPositionsTest {
    static final int T = 32768;
    static final double TOLERANCE = 1e-6;

    @Test
    void tablesMatchAFloat64Reference() {
        for (int rotary : new int[] {4, 64, 128}) {
            double base = rotary == 128 ? 500000.0 : 10000.0;
            float[] cos = PositionTables.ropeCos(T, rotary, base);
            float[] sin = PositionTables.ropeSin(T, rotary, base);
            int pairs = rotary / 2;
            assertEquals(T * pairs, cos.length);
            double error = 0;
            for (int t = 0; t < T; t++) {
                for (int k = 0; k < pairs; k++) {
                    double angle = t / Math.exp(2.0 * k / rotary * Math.log(base));
                    error = Math.max(error, Math.abs(cos[t * pairs + k] - Math.cos(angle)));
                    error = Math.max(error, Math.abs(sin[t * pairs + k] - Math.sin(angle)));
                }
            }
            assertTrue(error <= TOLERANCE, "rope tables, rotary_dim " + rotary + ": " + error);
        }
        int width = 12;
        float[] table = PositionTables.sinusoidal(T, width, 10000.0);
        double error = 0;
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < width / 2; k++) {
                double angle = t * Math.exp(-2.0 * k / width * Math.log(10000.0));
                error = Math.max(error, Math.abs(table[t * width + 2 * k] - Math.sin(angle)));
                error = Math.max(error, Math.abs(table[t * width + 2 * k + 1] - Math.cos(angle)));
            }
        }
        assertTrue(error <= TOLERANCE, "sinusoidal table: " + error);
    }

    @Test
    void aTableLargerThanTheLimitIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PositionTables.sinusoidal(1 << 20, 1 << 10, 10000.0));
        assertTrue(e.getMessage().contains("smaller maximum sequence length"), e.getMessage());
    }

    @Test
    void generatedKernelsMatchAFloat64ReferenceAtLongPositions() {
        String text = """
                model Far {
                  const D = 8
                  dim T <= 32768
                  input x : [T, D]
                  param ln : layernorm(D)
                  n = ln(x)
                  r = rope(x, heads = 1, rotary_dim = 4, base = 10000.0)
                  s = rope(x, heads = 2, layout = interleaved, base = 500000.0)
                  p = x * 0.0 + sinusoidal(T, D)
                  output r
                  output s
                  output p
                  output n
                }
                """;
        TornadoCompiled compiled = TornadoCompiled.source("far.attn", text);
        SplittableRandom random = new SplittableRandom(11);
        double[][] x = new double[T][8];
        float[] data = new float[T * 8];
        for (int t = 0; t < T; t++) {
            for (int c = 0; c < 8; c++) {
                x[t][c] = random.nextDouble() * 2 - 1;
                data[t * 8 + c] = (float) x[t][c];
                x[t][c] = data[t * 8 + c];
            }
        }
        Map<String, Tensor> out;
        try (Model model = compiled.load(new RandomWeights(1))) {
            out = model.forward(Map.of("x", Tensor.floats(data, T, 8)));
        }
        double[][] r = new double[T][];
        double[][] s = new double[T][];
        double[][] p = new double[T][8];
        for (int t = 0; t < T; t++) {
            r[t] = rotate(x[t], 0, 8, 4, false, 10000.0, t);
            s[t] = new double[8];
            double[] first = rotate(x[t], 0, 4, 4, true, 500000.0, t);
            double[] second = rotate(x[t], 4, 4, 4, true, 500000.0, t);
            System.arraycopy(first, 0, s[t], 0, 4);
            System.arraycopy(second, 0, s[t], 4, 4);
            for (int k = 0; k < 4; k++) {
                double angle = t / Math.pow(10000.0, 2.0 * k / 8);
                p[t][2 * k] = Math.sin(angle);
                p[t][2 * k + 1] = Math.cos(angle);
            }
        }
        assertClose("rope, half-split, rotary_dim 4", r, out.get("r").floatData());
        assertClose("rope, interleaved", s, out.get("s").floatData());
        assertClose("sinusoidal", p, out.get("p").floatData());
        // No pow (TornadoVM's "unknown op POW" in unrolled loops) and no sin/cos (fast relaxed math) left in a kernel.
        String source = compiled.source();
        assertFalse(source.contains("TornadoMath.pow"), "no pow in a kernel");
        assertFalse(source.contains("TornadoMath.sin") || source.contains("TornadoMath.cos"), "no sin or cos in a kernel");
    }

    /** One head of {@code width} features at {@code from}: its first {@code rotary} features turned by position t. */
    static double[] rotate(double[] row, int from, int width, int rotary, boolean interleaved, double base, int t) {
        double[] out = new double[width];
        for (int c = 0; c < width; c++) {
            out[c] = row[from + c];
        }
        for (int k = 0; k < rotary / 2; k++) {
            double angle = t * Math.pow(base, -2.0 * k / rotary);
            int i = interleaved ? 2 * k : k;
            int j = interleaved ? 2 * k + 1 : k + rotary / 2;
            double a = row[from + i];
            double b = row[from + j];
            out[i] = a * Math.cos(angle) - b * Math.sin(angle);
            out[j] = a * Math.sin(angle) + b * Math.cos(angle);
        }
        return out;
    }

    static void assertClose(String what, double[][] expected, float[] actual) {
        double error = 0;
        int worst = 0;
        for (int t = 0; t < expected.length; t++) {
            for (int c = 0; c < expected[t].length; c++) {
                double e = Math.abs(expected[t][c] - actual[t * expected[t].length + c]);
                if (e > error) {
                    error = e;
                    worst = t;
                }
            }
        }
        System.out.printf("%s to position %d: max abs error %.3g (at position %d)%n", what, expected.length - 1, error, worst);
        assertTrue(error <= TOLERANCE, what + ": max abs error " + error + " at position " + worst);
    }
}
