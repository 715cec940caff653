package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.tornado.jvm.HostTransfers;
import dev.attnc.runtime.weights.RandomWeights;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Launch grids of the TornadoVM backend: a plan never gets an empty GridScheduler (a real
 * TornadoVM rejects one when the plan is made), and every grid follows the sizes of the call,
 * so that a decoding step of one row launches one row of work-items.
 */
class TornadoGridsTest {
    static final String ONE_LINEAR = """
            model OneLinear {
              const D = 24, F = 40
              dim T <= 32
              input x : [T, D]
              param fc : linear(D, F)
              y = fc(x)
              output y
            }
            """;

    static final String DEAD_ATTENTION = """
            model DeadAttention {
              const D = 16
              dim T <= 32
              input x : [T, D]
              param fc : linear(D, D, bias = false)
              unused = attention(x, x, x, heads = 2) {
                mask causal
              }
              y = fc(x)
              output y
            }
            """;

    /** withGridScheduler only with at least one grid in the scheduler. */
    static void noEmptyScheduler(String source) {
        boolean scheduled = source.contains(".withGridScheduler(");
        boolean grids = source.contains("grids.addWorkerGrid(");
        assertEquals(grids, scheduled, "withGridScheduler must come with at least one worker grid:\n" + source);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_block", "llama_block", "transformer_encoder", "sliding_window", "alibi", "encoder_decoder",
            "softcap", "minilm"})
    void noSampleGetsAnEmptyScheduler(String sample) {
        noEmptyScheduler(TornadoCompiled.sample(sample).source());
    }

    @Test
    void oneLinearLayerRunsOnItsOwnGrid() {
        TornadoCompiled compiled = TornadoCompiled.source("one_linear.attn", ONE_LINEAR);
        noEmptyScheduler(compiled.source());
        assertTrue(compiled.source().contains("grids.addWorkerGrid(\"onelineartornado.fc\", grid_linear_40_by_T);"), compiled.source());
        RecordingTornadoWeights weights = new RecordingTornadoWeights(5);
        int t = 6;
        SplittableRandom random = new SplittableRandom(5);
        float[] x = new float[t * 24];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        float[] y;
        try (Model model = compiled.load(weights)) {
            y = model.forward(Map.of("x", Tensor.floats(x, t, 24))).values().iterator().next().floatData();
        }
        float[] w = weights.get("fc.weight");
        float[] b = weights.get("fc.bias");
        double error = 0;
        for (int r = 0; r < t; r++) {
            for (int o = 0; o < 40; o++) {
                double sum = b[o];
                for (int i = 0; i < 24; i++) {
                    sum += (double) x[r * 24 + i] * w[o * 24 + i];
                }
                error = Math.max(error, Math.abs(sum - y[r * 40 + o]));
            }
        }
        assertTrue(error < 1e-5, "one linear layer: max abs error " + error);
    }

    @Test
    void deadAttentionLeavesNoEmptyScheduler() {
        TornadoCompiled compiled = TornadoCompiled.source("dead.attn", DEAD_ATTENTION);
        noEmptyScheduler(compiled.source());
        try (Model model = compiled.load(new RandomWeights(2))) {
            float[] y = model.forward(Map.of("x", Tensor.floats(new float[3 * 16], 3, 16))).values().iterator().next().floatData();
            assertEquals(3 * 16, y.length);
        }
    }

    /** The WorkerGrid2D fields of a loaded model with the rows their name says they run over ("grid_576_by_T"). */
    static List<Object[]> grids(Model model) throws ReflectiveOperationException {
        List<Object[]> grids = new ArrayList<>();
        Pattern name = Pattern.compile("grid_(\\d+)_by_(\\w+)");
        for (Field field : model.getClass().getDeclaredFields()) {
            Matcher matcher = name.matcher(field.getName());
            if (field.getType().getSimpleName().equals("WorkerGrid2D") && matcher.matches()) {
                field.setAccessible(true);
                Object grid = field.get(model);
                Method global = grid.getClass().getMethod("getGlobalWork");
                grids.add(new Object[] {matcher.group(1), matcher.group(2), global.invoke(grid)});
            }
        }
        return grids;
    }

    /**
     * A linear layer's grid follows the call and the way the kernel takes for it: 64 x 64 output
     * tiles above 8 rows, 8 outputs per group of 256 at or below (llama_block: D = 576, F = 1536).
     */
    @Test
    void linearGridsFollowTheCall() throws ReflectiveOperationException {
        TornadoCompiled compiled = TornadoCompiled.sample("llama_block");
        try (Model model = compiled.load(new RandomWeights(3))) {
            model.forward(Map.of("x", Tensor.floats(new float[70 * 576], 70, 576)));
            assertEquals(List.of(9L * 256, 2L, 1L), linearGrid(model, 576));
            assertEquals(List.of(24L * 256, 2L, 1L), linearGrid(model, 1536));
            model.getClass().getMethod("step", Map.class).invoke(model, Map.of("x", Tensor.floats(new float[576], 1, 576)));
            assertEquals(List.of(72L * 256, 1L, 1L), linearGrid(model, 576));
            assertEquals(List.of(192L * 256, 1L, 1L), linearGrid(model, 1536));
        }
    }

    private static List<Long> linearGrid(Model model, int outWidth) throws ReflectiveOperationException {
        Field field = model.getClass().getDeclaredField("grid_linear_" + outWidth + "_by_T");
        field.setAccessible(true);
        Object grid = field.get(model);
        long[] global = (long[]) grid.getClass().getMethod("getGlobalWork").invoke(grid);
        return List.of(global[0], global[1], global[2]);
    }

    @Test
    void aDecodingStepLaunchesOneRowOfWorkItems() throws ReflectiveOperationException {
        TornadoCompiled compiled = TornadoCompiled.sample("llama_block");
        try (Model model = compiled.load(new RandomWeights(3))) {
            Method step = model.getClass().getMethod("step", Map.class);
            model.forward(Map.of("x", Tensor.floats(new float[7 * 576], 7, 576)));
            List<Object[]> prefill = grids(model);
            assertFalse(prefill.isEmpty());
            for (Object[] grid : prefill) {
                long[] global = (long[]) grid[2];
                assertEquals("T", grid[1]);
                assertEquals(7, global[1], "rows of grid_" + grid[0] + "_by_T at T = 7");
            }
            step.invoke(model, Map.of("x", Tensor.floats(new float[576], 1, 576)));
            for (Object[] grid : grids(model)) {
                long[] global = (long[]) grid[2];
                long width = Long.parseLong((String) grid[0]);
                assertEquals(1, global[1], "rows of grid_" + width + "_by_T at a decoding step");
                assertTrue(global[0] >= width && global[0] < width + 128, "grid_" + width + "_by_T: " + global[0] + " work-items per row");
            }
        }
    }

    /**
     * Only the rows a call wrote come back from the device (issue 13 item 8): llama_block's output
     * is [T, 576] floats in a buffer of MAX_T rows, counted by the JVM stand-in as a device would
     * copy it, with the outputs checked against the JVM backend too.
     */
    @Test
    void onlyTheCallsRowsComeBack() throws ReflectiveOperationException {
        TornadoCompiled compiled = TornadoCompiled.sample("llama_block");
        assertTrue(compiled.source().contains("DataTransferMode.UNDER_DEMAND"), compiled.source());
        SplittableRandom random = new SplittableRandom(8);
        float[] x = new float[8 * 576];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        try (Model model = compiled.load(new RandomWeights(3));
                Model jvm = dev.attnc.compiler.codegen.Compiled.sample("llama_block").load(new RandomWeights(3))) {
            Method step = model.getClass().getMethod("step", Map.class);
            Method jvmStep = jvm.getClass().getMethod("step", Map.class);
            Tensor prefill = Tensor.floats(java.util.Arrays.copyOf(x, 7 * 576), 7, 576);
            long before = HostTransfers.bytesToHost();
            float[] y = model.forward(Map.of("x", prefill)).get("x").floatData();
            assertEquals(7L * 576 * 4, HostTransfers.bytesToHost() - before, "bytes copied back for a call of 7 rows");
            TornadoAttentionKernelTest.check("llama_block T 7", TornadoAttentionKernelTest.toDouble(
                    jvm.forward(Map.of("x", prefill)).get("x").floatData()), y);
            // A decoding step after those 7 rows: one row back, and the right one.
            Tensor row = Tensor.floats(java.util.Arrays.copyOfRange(x, 7 * 576, 8 * 576), 1, 576);
            before = HostTransfers.bytesToHost();
            @SuppressWarnings("unchecked")
            float[] stepped = ((Map<String, Tensor>) step.invoke(model, Map.of("x", row))).get("x").floatData();
            assertEquals(576L * 4, HostTransfers.bytesToHost() - before, "bytes copied back for a decoding step");
            @SuppressWarnings("unchecked")
            float[] expected = ((Map<String, Tensor>) jvmStep.invoke(jvm, Map.of("x", row))).get("x").floatData();
            TornadoAttentionKernelTest.check("llama_block step", TornadoAttentionKernelTest.toDouble(expected), stepped);
        }
    }
}
