package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.SinkRelativeReference.maxDifference;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.compiler.codegen.SinkRelativeReference;
import dev.attnc.compiler.codegen.TestTensors;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Powers inside attention clauses ({@code a ** b}, {@code pow(a, b)}), as in tensor math: in a
 * score and in a mask, on the JVM backend and on the TornadoVM backend (its kernels run on the
 * JVM here), against a float64 reference written from the clauses' math with
 * {@link SinkRelativeReference}. Within 1e-5 (float32 sums of 16 products, outputs of size
 * about 1); the powers move the output by far more than that.
 */
class ClausePowerTest {
    static final int DH = 16;
    static final int HEADS = 4;
    static final double TOLERANCE = 1e-5;

    /** Per-head sharpening 2^(h - 1), a quadratic distance penalty, a square-root one, and a window of |i - j| < 20. */
    static final String CLAUSES = """
            score s * 2 ** (h - 1) - 0.002 * (i - j) ** 2 - 0.1 * pow(abs(i - j) + 1, 0.5)
                mask  causal && (i - j) ** 2 < 400""";

    static String model(String name) {
        return """
                model %s {
                  const H = %d, Dh = %d
                  dim T <= 256
                  input q : [T, H * Dh]
                  input k : [T, H * Dh]
                  input v : [T, H * Dh]
                  y = attention(q, k, v, heads = H) {
                    %s
                  }
                  output y
                }
                """.formatted(name, HEADS, DH, CLAUSES);
    }

    private static SinkRelativeReference reference(boolean powers) {
        SinkRelativeReference reference = new SinkRelativeReference();
        reference.heads = HEADS;
        reference.kvHeads = HEADS;
        reference.scale = 1 / Math.sqrt(DH);
        if (powers) {
            reference.score = (s, i, j, h) -> s * Math.pow(2, h - 1) - 0.002 * (double) (i - j) * (i - j)
                    - 0.1 * Math.sqrt(Math.abs(i - j) + 1);
            reference.mask = (i, j, h) -> j <= i && (double) (i - j) * (i - j) < 400;
        } else {
            reference.mask = SinkRelativeReference.CAUSAL;
        }
        return reference;
    }

    private static void check(String backend, Model model, int t) {
        SplittableRandom random = new SplittableRandom(20261206L + t);
        double[][] q = SinkRelativeReference.normal(random, t, HEADS * DH);
        double[][] k = SinkRelativeReference.normal(random, t, HEADS * DH);
        double[][] v = SinkRelativeReference.normal(random, t, HEADS * DH);
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put("q", TestTensors.floats(q));
        inputs.put("k", TestTensors.floats(k));
        inputs.put("v", TestTensors.floats(v));
        float[] y = model.forward(inputs).get("y").floatData();
        double error = maxDifference(reference(true).run(q, k, v), y);
        System.out.printf("%s backend, powers in score and mask, T = %d: max abs error %.3g%n", backend, t, error);
        assertTrue(error <= TOLERANCE, backend + ", T = " + t + ": max abs error " + error);
        double effect = maxDifference(reference(true).run(q, k, v), reference(false).run(q, k, v));
        assertTrue(effect > 100 * TOLERANCE, "the powers change the output by only " + effect);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 77})
    void jvmBackend(int t) {
        check("JVM", Compiled.source("Powers.attn", model("Powers")).load(new RandomWeights(1)), t);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 77})
    void tornadoVmBackend(int t) {
        check("TornadoVM", TornadoCompiled.source("Powers.attn", model("Powers")).load(new RecordingTornadoWeights(1)), t);
    }
}
