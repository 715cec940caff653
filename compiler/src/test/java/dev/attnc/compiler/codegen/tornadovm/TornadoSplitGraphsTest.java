package dev.attnc.compiler.codegen.tornadovm;

import static dev.attnc.compiler.codegen.TestTensors.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.compiler.reference.Samples;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models with more tasks than one TornadoVM 5.2 task graph holds (8 KB of task records,
 * {@code TornadoTaskGraph.highLevelCode}) get several graphs in one plan, passing buffers on the
 * device; models that fit keep one. The split models run on the JVM stand-in, which refuses a
 * hand-over between graphs that TornadoVM 5.2 would not make, and are checked against float64
 * references or the JVM backend.
 */
class TornadoSplitGraphsTest {

    private static final Pattern TASK = Pattern.compile("(?m)^\\s*(\\w+)\\.task\\((.*)\\);$");
    private static final Pattern GRAPH = Pattern.compile("new TaskGraph\\(\"([^\"]+)\"\\)");

    /** Per graph (by its local variable), the bytes TornadoVM 5.2 records for its tasks: 15 + 5 per argument each. */
    static Map<String, Integer> graphBytes(String source) {
        Map<String, Integer> bytes = new LinkedHashMap<>();
        Matcher task = TASK.matcher(source);
        while (task.find()) {
            int arguments = TaskGraphSplit.arguments(task.group(2)).size() - 2; // less the task id and the method
            bytes.merge(task.group(1), 15 + 5 * arguments, Integer::sum);
        }
        return bytes;
    }

    static List<String> graphNames(String source) {
        return GRAPH.matcher(source).results().map(match -> match.group(1)).toList();
    }

    /** Generates with {@link TaskGraphSplit#BUDGET_PROPERTY} set to {@code bytes} (then cleared). */
    static <T> T withBudget(int bytes, Supplier<T> generate) {
        System.setProperty(TaskGraphSplit.BUDGET_PROPERTY, Integer.toString(bytes));
        try {
            return generate.get();
        } finally {
            System.clearProperty(TaskGraphSplit.BUDGET_PROPERTY);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block", "llama_block", "transformer_encoder", "sliding_window", "alibi", "encoder_decoder", "softcap",
            "minilm"})
    void aModelThatFitsKeepsOneGraph(String sample) {
        String source = TornadoCompiled.sample(sample).source();
        Map<String, Integer> bytes = graphBytes(source);
        System.out.println(sample + ": " + bytes + " bytes of task records");
        assertEquals(1, graphNames(source).size(), sample + ": " + graphNames(source));
        assertTrue(source.contains("TornadoExecutionResult result = plan.execute();"), sample);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bge_small", "e5_small"})
    void twelveLayerEncodersGetGraphsOfWholeLayersUnderTornadoVmsBuffer(String sample) {
        String source = TornadoCompiled.sample(sample).source();
        Map<String, Integer> bytes = graphBytes(source);
        System.out.println(sample + ": " + graphNames(source) + " " + bytes + " bytes of task records");
        String prefix = sample.replace("_", "") + "tornado_";
        assertEquals(List.of(prefix + "start_layers0to5", prefix + "layers6to11"), graphNames(source));
        bytes.values().forEach(size -> assertTrue(size <= TaskGraphSplit.DEFAULT_BUDGET, sample + ": " + bytes));
        assertTrue(bytes.values().stream().mapToInt(Integer::intValue).sum() > TaskGraphSplit.TORNADO_GRAPH_BUFFER,
                sample + " would not fit in one graph: " + bytes);
        // Layer 6's weights go to the device once, in the graph that uses them; the hidden state is handed over.
        assertEquals(1, count(source, "transferToDevice(DataTransferMode.FIRST_EXECUTION, query_weight[6]"), sample);
        assertTrue(source.contains("layers6to11.consumeFromDevice(\"" + prefix + "start_layers0to5\", "), sample);
        assertTrue(source.contains("TornadoExecutionResult result = plan.withGraph(1).execute();"), sample);
    }

    private static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    /** bge_small, 12 layers in two graphs on the stand-in, against the JVM backend with the same weights. */
    @Test
    void bgeSmallInTwoGraphsMatchesTheJvmBackend() {
        int t = 9;
        SplittableRandom random = new SplittableRandom(21);
        int[] ids = new int[t];
        int[] types = new int[t];
        int[] mask = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = random.nextInt(30522);
            types[i] = i < 4 ? 0 : 1;
            mask[i] = i < 7 ? 1 : 0;
        }
        Map<String, Tensor> inputs = Map.of("input_ids", Tensor.ints(ids, t), "token_type_ids", Tensor.ints(types, t),
                "attention_mask", Tensor.ints(mask, t));
        float[] expected;
        try (Model jvm = Compiled.sample("bge_small").load(new RandomWeights(5))) {
            expected = jvm.forward(inputs).get("x").floatData();
        }
        TornadoCompiled split = TornadoCompiled.sample("bge_small");
        assertEquals(2, graphNames(split.source()).size());
        try (Model model = split.load(new RandomWeights(5))) {
            for (int call = 0; call < 2; call++) { // the second call reuses the plan and its device buffers
                assertClose(expected, model.forward(inputs).get("x").floatData(), 1e-4, "bge_small call " + call);
            }
        }
    }

    /**
     * 24 layers in graphs of at most 1200 bytes: an input every layer reads, and an output made
     * before the layers that must cross every graph to the last, against a float64 reference.
     */
    @Test
    void twentyFourLayersMatchAFloat64Reference() {
        String text = """
                model DeepStack {
                  const D = 16, L = 24
                  dim T <= 8
                  input x : [T, D]
                  input g : [D]
                  skip = tanh(x)
                  repeat L as layer {
                    param ff : linear(D, D) from "layers.{layer}.ff"
                    x = x + relu(ff(x)) * g
                  }
                  output x, skip
                }
                """;
        TornadoCompiled compiled = withBudget(1200, () -> TornadoCompiled.source("deep_stack.attn", text));
        List<String> names = graphNames(compiled.source());
        System.out.println("deep_stack: " + names + " " + graphBytes(compiled.source()));
        assertTrue(names.size() >= 8, names.toString());
        assertEquals("deepstacktornado_start_layers0to1", names.get(0));
        graphBytes(compiled.source()).values().forEach(size -> assertTrue(size <= 1200, graphBytes(compiled.source()).toString()));
        int t = 5;
        int d = 16;
        SplittableRandom random = new SplittableRandom(4);
        double[][] x = new double[t][d];
        double[] g = new double[d];
        for (int j = 0; j < d; j++) {
            g[j] = random.nextDouble() * 2 - 0.5;
            for (int i = 0; i < t; i++) {
                x[i][j] = random.nextDouble() * 3 - 1.5;
            }
        }
        RecordingTornadoWeights weights = new RecordingTornadoWeights(13);
        try (Model model = compiled.load(weights)) {
            float[] gData = new float[d];
            for (int j = 0; j < d; j++) {
                gData[j] = (float) g[j];
            }
            for (int call = 0; call < 2; call++) {
                Map<String, Tensor> out = model.forward(Map.of("x", floats(x), "g", Tensor.floats(gData, d)));
                // float64: skip = tanh(x); per layer x += relu(W x + b) * g, W stored [out, in].
                double[] skip = new double[t * d];
                double[][] h = new double[t][];
                for (int i = 0; i < t; i++) {
                    h[i] = new double[d];
                    for (int j = 0; j < d; j++) {
                        skip[i * d + j] = Math.tanh((float) x[i][j]);
                        h[i][j] = (float) x[i][j];
                    }
                }
                for (int layer = 0; layer < 24; layer++) {
                    float[] w = weights.get("layers." + layer + ".ff.weight");
                    float[] b = weights.get("layers." + layer + ".ff.bias");
                    double[][] next = new double[t][d];
                    for (int i = 0; i < t; i++) {
                        for (int o = 0; o < d; o++) {
                            double sum = b[o];
                            for (int k = 0; k < d; k++) {
                                sum += (double) w[o * d + k] * h[i][k];
                            }
                            next[i][o] = h[i][o] + Math.max(0, sum) * (float) g[o];
                        }
                    }
                    h = next;
                }
                double[] flat = new double[t * d];
                for (int i = 0; i < t; i++) {
                    System.arraycopy(h[i], 0, flat, i * d, d);
                }
                assertClose(flat, out.get("x").floatData(), 1e-4, "deep_stack x, call " + call);
                assertClose(skip, out.get("skip").floatData(), 1e-5, "deep_stack skip, call " + call);
                x[0][0] += 0.25; // a different input for the second call
            }
        }
    }

    /**
     * gpt2_block cut between single tasks (graphs of at most 400 bytes): KV caches, attention
     * scratch and the residual stream cross graphs; a prefill and then decoding steps against
     * the JVM backend, and the prefill against the float64 reference.
     */
    @Test
    void gpt2BlockCutBetweenTasksDecodesAsTheJvmBackend() throws ReflectiveOperationException {
        TornadoCompiled compiled = withBudget(400, () -> TornadoCompiled.sample("gpt2_block"));
        List<String> names = graphNames(compiled.source());
        System.out.println("gpt2_block at 400 bytes: " + names + " " + graphBytes(compiled.source()));
        assertTrue(names.size() >= 3, names.toString());
        assertEquals("gpt2blocktornado_start_part2", names.get(1));
        RecordingTornadoWeights weights = new RecordingTornadoWeights(7);
        int[] ids = new SplittableRandom(3).ints(10, 0, 50257).toArray();
        try (Model split = compiled.load(weights); Model jvm = Compiled.sample("gpt2_block").load(weights)) {
            int[] prompt = Arrays.copyOf(ids, 7);
            float[] prefill = split.forward(Map.of("ids", Tensor.ints(prompt, 7))).get("x").floatData();
            double[][] reference = Samples.gpt2Block(weights, prompt);
            double[] flat = Arrays.stream(reference).flatMapToDouble(Arrays::stream).toArray();
            assertClose(flat, prefill, 1e-4, "gpt2_block prefill");
            assertClose(toDouble(jvm.forward(Map.of("ids", Tensor.ints(prompt, 7))).get("x").floatData()), prefill, 1e-4,
                    "gpt2_block prefill against the JVM backend");
            for (int position = 7; position < 10; position++) {
                Map<String, Tensor> next = Map.of("ids", Tensor.ints(new int[] {ids[position]}, 1));
                float[] onJvm = step(jvm, next);
                float[] onSplit = step(split, next);
                assertClose(toDouble(onJvm), onSplit, 1e-4, "gpt2_block step at " + position);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static float[] step(Model model, Map<String, Tensor> inputs) throws ReflectiveOperationException {
        try {
            Map<String, Tensor> out = (Map<String, Tensor>) model.getClass().getMethod("step", Map.class).invoke(model, inputs);
            return out.get("x").floatData();
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    private static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertClose(toDouble(expected), actual, tolerance, what);
    }

    /** Max abs error within {@code tolerance} x the largest expected magnitude. */
    private static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        double error = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            error = Math.max(error, Math.abs(expected[i] - actual[i]));
        }
        System.out.printf("%s: max abs error %.3g, scale %.3g%n", what, error, scale);
        assertTrue(scale > 0, what);
        assertTrue(error <= tolerance * scale, what + ": max abs error " + error + " over " + tolerance + " x " + scale);
    }
}
