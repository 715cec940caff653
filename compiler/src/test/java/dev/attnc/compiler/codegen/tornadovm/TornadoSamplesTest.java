package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every sample through the TornadoVM backend, its kernels run on the JVM (no TornadoVM here),
 * against the same float64 references as the JVM backend: max abs error within 1e-4 of the
 * output's scale.
 */
class TornadoSamplesTest {
    static final double TOLERANCE = 1e-4;

    @Test
    void gpt2Block() {
        Run run = new Run("gpt2_block");
        int[] ids = run.ids(12, 50257);
        run.check(Samples.gpt2Block(run.weights, ids), Map.of("ids", Tensor.ints(ids, ids.length)), "x");
    }

    @Test
    void llamaBlock() {
        Run run = new Run("llama_block");
        double[][] x = run.normal(9, 576);
        run.check(Samples.llamaBlock(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void transformerEncoder() {
        Run run = new Run("transformer_encoder");
        double[][] x = run.normal(10, 512);
        run.check(Samples.transformerEncoder(run.weights, x, 7), Map.of("x", floats(x), "len", Tensor.ints(new int[] {7})), "h");
    }

    @Test
    void slidingWindow() {
        Run run = new Run("sliding_window");
        double[][] x = run.normal(7, 512);
        run.check(Samples.slidingWindow(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void alibi() {
        Run run = new Run("alibi");
        double[][] x = run.normal(6, 1024);
        run.check(Samples.alibi(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void encoderDecoder() {
        Run run = new Run("encoder_decoder");
        double[][] y = run.normal(5, 512);
        double[][] memory = run.normal(8, 512);
        run.check(Samples.encoderDecoder(run.weights, y, memory, 6),
                Map.of("y", floats(y), "memory", floats(memory), "mem_len", Tensor.ints(new int[] {6})), "y");
    }

    @Test
    void softcap() {
        Run run = new Run("softcap");
        double[][] x = run.normal(6, 768);
        run.check(Samples.softcap(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void minilm() {
        Run run = new Run("minilm");
        int t = 9;
        int[] ids = run.ids(t, 30522);
        int[] types = new int[t];
        int[] mask = new int[t];
        for (int i = 0; i < t; i++) {
            types[i] = i < 5 ? 0 : 1;
            mask[i] = i < 7 ? 1 : 0;
        }
        run.check(Samples.minilm(run.weights, ids, types, mask), Map.of("input_ids", Tensor.ints(ids, t),
                "token_type_ids", Tensor.ints(types, t), "attention_mask", Tensor.ints(mask, t)), "x");
    }

    /** The same class run twice, with different lengths: the plan is built once and serves both. */
    @Test
    void onePlanServesEveryLength() {
        TornadoCompiled compiled = TornadoCompiled.sample("llama_block");
        try (Model model = compiled.load(new RandomWeights(3))) {
            float[] longer = model.forward(Map.of("x", Tensor.floats(new float[5 * 576], 5, 576))).get("x").floatData();
            float[] shorter = model.forward(Map.of("x", Tensor.floats(new float[3 * 576], 3, 576))).get("x").floatData();
            assertArrayEquals(java.util.Arrays.copyOf(longer, 3 * 576), shorter, 1e-6f, "causal rows do not depend on later ones");
        }
    }

    static final class Run {
        final String sample;
        final RecordingTornadoWeights weights = new RecordingTornadoWeights(7);
        final Model model;
        final SplittableRandom random = new SplittableRandom(9);

        Run(String sample) {
            this.sample = sample;
            this.model = TornadoCompiled.sample(sample).load(weights);
        }

        double[][] normal(int rows, int cols) {
            double[][] x = new double[rows][cols];
            for (double[] row : x) {
                for (int c = 0; c < cols; c++) {
                    row[c] = random.nextDouble() * 3.4 - 1.7;
                }
            }
            return x;
        }

        int[] ids(int count, int vocabulary) {
            int[] ids = new int[count];
            for (int i = 0; i < count; i++) {
                ids[i] = random.nextInt(vocabulary);
            }
            return ids;
        }

        void check(double[][] expected, Map<String, Tensor> inputs, String output) {
            float[] actual = model.forward(inputs).get(output).floatData();
            double scale = 0;
            double error = 0;
            int width = expected[0].length;
            for (int r = 0; r < expected.length; r++) {
                for (int c = 0; c < width; c++) {
                    scale = Math.max(scale, Math.abs(expected[r][c]));
                    error = Math.max(error, Math.abs(expected[r][c] - actual[r * width + c]));
                }
            }
            System.out.printf("%s (TornadoVM kernels on the JVM): max abs error %.3g, scale %.3g%n", sample, error, scale);
            assertTrue(scale > 0);
            assertTrue(error <= TOLERANCE * scale, sample + ": max abs error " + error + " over " + TOLERANCE + " x " + scale);
        }
    }
}
