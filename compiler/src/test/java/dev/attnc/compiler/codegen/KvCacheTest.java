package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding token by token with the KV cache gives, row by row, what the whole causal forward
 * gives. The same float32 operations run on the same numbers in the same order, so rows must
 * agree to within 1e-6 of the output scale.
 */
class KvCacheTest {
    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block", "llama_block", "sliding_window", "alibi"})
    void stepByStepEqualsTheWholeSequence(String sample) throws Exception {
        Compiled compiled = Compiled.sample(sample);
        Model model = compiled.load(new RecordingWeights(3));
        Method step = compiled.type.getMethod("step", Map.class);
        Method reset = compiled.type.getMethod("reset");
        Method cachedPositions = compiled.type.getMethod("cachedPositions");
        String input = model.inputNames().get(0);
        String output = model.outputNames().get(0);
        int length = sample.equals("sliding_window") ? 270 : 19; // past the window of 256
        Tensor whole = input(compiled, input, length, 0, length);
        float[] expected = model.forward(Map.of(input, whole)).get(output).floatData();
        int width = expected.length / length;
        double scale = 0;
        for (float value : expected) {
            scale = Math.max(scale, Math.abs(value));
        }

        reset.invoke(model);
        double error = 0;
        for (int t = 0; t < length; t++) {
            @SuppressWarnings("unchecked")
            Map<String, Tensor> outputs = (Map<String, Tensor>) step.invoke(model, Map.of(input, slice(whole, t, t + 1)));
            float[] row = outputs.get(output).floatData();
            assertEquals(width, row.length);
            for (int c = 0; c < width; c++) {
                error = Math.max(error, Math.abs(row[c] - expected[t * width + c]));
            }
        }
        assertEquals(length, cachedPositions.invoke(model));
        System.out.printf("%s: step by step vs whole forward, max abs error %.3g (scale %.3g)%n", sample, error, scale);
        assertTrue(error <= TOLERANCE * scale, sample + ": max abs error " + error);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block", "llama_block"})
    void prefillThenStepsEqualsTheWholeSequence(String sample) throws Exception {
        Compiled compiled = Compiled.sample(sample);
        Model model = compiled.load(new RecordingWeights(4));
        Method step = compiled.type.getMethod("step", Map.class);
        String input = model.inputNames().get(0);
        String output = model.outputNames().get(0);
        int length = 12;
        Tensor whole = input(compiled, input, length, 0, length);
        float[] expected = model.forward(Map.of(input, whole)).get(output).floatData();
        int width = expected.length / length;
        float[] prefix = model.forward(Map.of(input, slice(whole, 0, 8))).get(output).floatData();
        float[] head = Arrays.copyOf(expected, 8 * width);
        for (int index = 0; index < head.length; index++) {
            assertEquals(head[index], prefix[index], 1e-5, "a prefix's rows do not depend on later tokens");
        }
        @SuppressWarnings("unchecked")
        Map<String, Tensor> rest = (Map<String, Tensor>) step.invoke(model, Map.of(input, slice(whole, 8, 12)));
        float[] tail = rest.get(output).floatData();
        double error = 0;
        for (int index = 0; index < tail.length; index++) {
            error = Math.max(error, Math.abs(tail[index] - expected[8 * width + index]));
        }
        assertTrue(error < 1e-5, sample + ": a 4-token step after an 8-token prefill differs by " + error);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block"})
    void theCacheRefusesToOverflow(String sample) throws Exception {
        Compiled compiled = Compiled.sample(sample);
        Model model = compiled.load(new RecordingWeights(5));
        Method step = compiled.type.getMethod("step", Map.class);
        String input = model.inputNames().get(0);
        int max = (int) compiled.type.getField("MAX_T").getInt(null);
        model.forward(Map.of(input, input(compiled, input, max - 1, 0, max - 1)));
        step.invoke(model, Map.of(input, input(compiled, input, 1, 0, 1)));
        Exception thrown = assertThrows(Exception.class, () -> step.invoke(model, Map.of(input, input(compiled, input, 1, 0, 1))));
        Throwable cause = thrown.getCause();
        assertTrue(cause instanceof ModelInputException, String.valueOf(cause));
        assertEquals("T = 1 more positions do not fit: the KV cache holds 1024 of at most 1024; "
                + "call forward or reset to start a new sequence", cause.getMessage());
    }

    /** Seeded input rows: token ids for int inputs, N(0, 1) for float ones. */
    private static Tensor input(Compiled compiled, String name, int rows, int from, int to) {
        SplittableRandom random = new SplittableRandom(11);
        boolean ids = compiled.generated.graph().inputs().get(0).type().dtype() == dev.attnc.compiler.ir.DType.INT;
        int width = ids ? 1 : (int) (long) compiled.generated.graph().inputs().get(0).type().last().constant().orElseThrow();
        if (ids) {
            int[] data = new int[rows];
            for (int r = 0; r < rows; r++) {
                data[r] = random.nextInt(1000);
            }
            return Tensor.ints(data, rows);
        }
        float[] data = new float[rows * width];
        for (int index = 0; index < data.length; index++) {
            data[index] = (float) (random.nextDouble() * 2 - 1) * 1.7f;
        }
        return Tensor.floats(data, rows, width);
    }

    private static Tensor slice(Tensor tensor, int from, int to) {
        if (tensor.dtype() == dev.attnc.runtime.DType.I32) {
            return Tensor.ints(Arrays.copyOfRange(tensor.intData(), from, to), to - from);
        }
        int width = tensor.dim(1);
        return Tensor.floats(Arrays.copyOfRange(tensor.floatData(), from * width, to * width), to - from, width);
    }
}
