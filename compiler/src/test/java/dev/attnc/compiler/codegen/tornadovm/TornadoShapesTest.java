package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Models the JVM backend runs that the TornadoVM backend used to refuse: an input with a
 * run-time dim after the first, a norm of a rank-3 tensor (QK-norm on heads(...)), concat at a
 * run-time offset, and sizes computed from run-time dims (T + 1, T + S, 2 * T). Each runs its
 * TornadoVM kernels on the JVM, at two lengths through one plan, and must give what the JVM
 * backend gives on the same weights and inputs: max abs difference within 1e-5 of the output's
 * largest value (both compute in float32, in different orders).
 */
class TornadoShapesTest {
    static final double TOLERANCE = 1e-5;
    static final long SEED = 20261205;

    @Test
    void inputsWithARunTimeDimAfterTheFirst() {
        String text = """
                model Bias {
                  dim T <= 64
                  input x : [T, 8]
                  input bias : [T, T]
                  input z : [3, T]
                  s = softmax(x @ transpose(x) * 0.25 + bias)
                  y = s @ x
                  w = z @ x
                  output y
                  output w
                }
                """;
        for (int t : new int[] {7, 3}) {
            SplittableRandom random = new SplittableRandom(SEED + t);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("x", normal(random, t, 8));
            inputs.put("bias", normal(random, t, t));
            inputs.put("z", normal(random, 3, t));
            sameAsJvm("bias.attn", text, inputs, "y", "w");
        }
    }

    @Test
    void qkNormOnHeads() {
        String text = """
                model QkNorm {
                  const D = 32, H = 4, Dh = 8
                  dim T <= 64
                  input x : [T, D]
                  param wq : linear(D, D)
                  param wk : linear(D, D)
                  param qn : rmsnorm(Dh)
                  param kn : layernorm(Dh)
                  q = merge_heads(qn(heads(wq(x), H)))
                  k = merge_heads(kn(heads(wk(x), H)))
                  y = attention(q, k, x, heads = H) {
                    mask causal
                  }
                  output y
                }
                """;
        for (int t : new int[] {9, 2}) {
            sameAsJvm("qknorm.attn", text, Map.of("x", normal(new SplittableRandom(SEED + t), t, 32)), "y");
        }
    }

    @Test
    void concatAtRunTimeOffsetsAndComputedSizes() {
        String text = """
                model Joins {
                  const D = 16
                  dim T <= 64
                  dim S <= 32
                  input a : [T, D]
                  input b : [S, D]
                  input c : [1, D]
                  param ln : layernorm(D)
                  ab = concat(a, b, dim = 0)
                  y = ln(ab)
                  cx = concat(c, a, dim = 0)
                  z = relu(cx) * 2.0
                  e = softmax(concat(a @ transpose(a), a @ transpose(a) * 0.5))
                  output y
                  output z
                  output e
                }
                """;
        int[][] lengths = {{5, 3}, {2, 6}};
        for (int[] length : lengths) {
            SplittableRandom random = new SplittableRandom(SEED + length[0]);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("a", normal(random, length[0], 16));
            inputs.put("b", normal(random, length[1], 16));
            inputs.put("c", normal(random, 1, 16));
            sameAsJvm("joins.attn", text, inputs, "y", "z", "e");
        }
    }

    @Test
    void attentionOverAComputedLength() {
        String text = """
                model Prefix {
                  const D = 16
                  dim T <= 64
                  input x : [T, D]
                  input c : [1, D]
                  cx = concat(c, x, dim = 0)
                  y = attention(cx, cx, cx, heads = 2) {
                    mask causal
                  }
                  output y
                }
                """;
        for (int t : new int[] {6, 1}) {
            SplittableRandom random = new SplittableRandom(SEED + t);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("x", normal(random, t, 16));
            inputs.put("c", normal(random, 1, 16));
            sameAsJvm("prefix.attn", text, inputs, "y");
        }
    }

    @Test
    void whatIsStillRefusedSaysWhere() {
        String text = """
                model Soft3 {
                  const H = 2
                  dim T <= 16
                  input x : [T, 8]
                  s = softmax(heads(x, H))
                  output s
                }
                """;
        String message = TornadoTableReadsTest.refusal("dir/soft3.attn", text);
        assertTrue(message.startsWith("soft3.attn:5:"), message);
        assertTrue(message.contains("softmax of a rank-3 tensor is not supported by the TornadoVM backend"), message);
    }

    static Tensor normal(SplittableRandom random, int rows, int cols) {
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextDouble() * 3.4 - 1.7);
        }
        return Tensor.floats(data, rows, cols);
    }

    static void sameAsJvm(String name, String text, Map<String, Tensor> inputs, String... outputs) {
        Map<String, Tensor> expected;
        try (Model jvm = Compiled.source(name, text).load(new RandomWeights(SEED))) {
            expected = jvm.forward(inputs);
        }
        Map<String, Tensor> actual;
        try (Model tornado = TornadoCompiled.source(name, text).load(new RandomWeights(SEED))) {
            actual = tornado.forward(inputs);
        }
        for (String output : outputs) {
            Tensor want = expected.get(output);
            Tensor got = actual.get(output);
            assertArrayEquals(want.shape(), got.shape(), name + ": shape of " + output);
            float[] w = want.floatData();
            float[] g = got.floatData();
            double scale = 0;
            double error = 0;
            for (int i = 0; i < w.length; i++) {
                scale = Math.max(scale, Math.abs(w[i]));
                error = Math.max(error, Math.abs(w[i] - g[i]));
            }
            assertTrue(scale > 0, name + ": " + output + " is all zeros");
            assertEquals(w.length, g.length);
            assertTrue(error <= TOLERANCE * scale, name + ": " + output + " differs from the JVM backend by " + error
                    + " (scale " + scale + ")");
        }
    }
}
