package dev.attnc.compiler.codegen;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every sample, compiled to Java and run on seeded random weights and inputs, against the
 * float64 reference written from the papers in {@link Samples}. The generated code computes
 * in float32, so each test allows a max abs error of 1e-4 times the output's scale (its
 * largest absolute value), and prints what it found.
 */
class SamplesMatchReferenceTest {
    static final double TOLERANCE = 1e-4;
    static final long SEED = 7;

    @Test
    void transformerEncoder() {
        Run run = new Run("transformer_encoder");
        int t = 24;
        double[][] x = run.normal(t, 512);
        int len = 19; // the last 5 positions are padding
        double[][] expected = Samples.transformerEncoder(run.weights, x, len);
        run.check(expected, Map.of("x", floats(x), "len", Tensor.ints(new int[] {len})), "h");
    }

    @Test
    void gpt2Block() {
        Run run = new Run("gpt2_block");
        int[] ids = run.ids(20, 50257);
        double[][] expected = Samples.gpt2Block(run.weights, ids);
        run.check(expected, Map.of("ids", Tensor.ints(ids, ids.length)), "x");
    }

    @Test
    void llamaBlock() {
        Run run = new Run("llama_block");
        double[][] x = run.normal(21, 576);
        run.check(Samples.llamaBlock(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void slidingWindow() {
        Run run = new Run("sliding_window");
        double[][] x = run.normal(300, 512); // longer than the window of 256
        run.check(Samples.slidingWindow(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void alibi() {
        Run run = new Run("alibi");
        double[][] x = run.normal(17, 1024);
        run.check(Samples.alibi(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void encoderDecoder() {
        Run run = new Run("encoder_decoder");
        double[][] y = run.normal(11, 512);
        double[][] memory = run.normal(15, 512);
        int memLen = 12;
        run.check(Samples.encoderDecoder(run.weights, y, memory, memLen),
                Map.of("y", floats(y), "memory", floats(memory), "mem_len", Tensor.ints(new int[] {memLen})), "y");
    }

    @Test
    void softcap() {
        Run run = new Run("softcap");
        double[][] x = run.normal(13, 768);
        run.check(Samples.softcap(run.weights, x), Map.of("x", floats(x)), "x");
    }

    @Test
    void minilm() {
        Run run = new Run("minilm");
        int t = 16;
        int[] ids = run.ids(t, 30522);
        int[] types = new int[t];
        int[] mask = new int[t];
        for (int i = 0; i < t; i++) {
            types[i] = i < 9 ? 0 : 1;
            mask[i] = i < 13 ? 1 : 0; // three padding positions
        }
        run.check(Samples.minilm(run.weights, ids, types, mask), Map.of("input_ids", Tensor.ints(ids, t),
                "token_type_ids", Tensor.ints(types, t), "attention_mask", Tensor.ints(mask, t)), "x");
    }

    /** One sample: compiled, loaded on recorded random weights, with its own seeded inputs. */
    static final class Run {
        final String sample;
        final RecordingWeights weights = new RecordingWeights(SEED);
        final Model model;
        final SplittableRandom random = new SplittableRandom(SEED);

        Run(String sample) {
            this.sample = sample;
            this.model = Compiled.sample(sample).load(weights);
        }

        double[][] normal(int rows, int cols) {
            double[][] x = new double[rows][cols];
            for (double[] row : x) {
                for (int c = 0; c < cols; c++) {
                    row[c] = gaussian();
                }
            }
            return x;
        }

        private double gaussian() {
            double u = random.nextDouble(Double.MIN_VALUE, 1);
            double v = random.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }

        int[] ids(int count, int vocabulary) {
            int[] ids = new int[count];
            for (int i = 0; i < count; i++) {
                ids[i] = random.nextInt(vocabulary);
            }
            return ids;
        }

        void check(double[][] expected, Map<String, Tensor> inputs, String output) {
            Tensor actual = model.forward(inputs).get(output);
            assertArrayEquals(new int[] {expected.length, expected[0].length}, actual.shape(), sample + " output shape");
            double scale = 0;
            double error = 0;
            float[] data = actual.floatData();
            for (int r = 0; r < expected.length; r++) {
                for (int c = 0; c < expected[0].length; c++) {
                    scale = Math.max(scale, Math.abs(expected[r][c]));
                    error = Math.max(error, Math.abs(expected[r][c] - data[r * expected[0].length + c]));
                }
            }
            System.out.printf("%s: max abs error %.3g, output scale %.3g, relative %.3g%n", sample, error, scale, error / scale);
            assertTrue(scale > 0, sample + ": the reference output is all zeros, which tests nothing");
            assertTrue(error <= TOLERANCE * scale, String.format("%s: max abs error %.3g exceeds %.1g x the output scale %.3g",
                    sample, error, TOLERANCE, scale));
        }
    }
}
