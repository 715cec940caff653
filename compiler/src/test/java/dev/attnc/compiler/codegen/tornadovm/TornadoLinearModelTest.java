package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Linear layers through the whole TornadoVM backend: a two-layer MLP with a run-time T, loaded
 * once and called with T = 1, 7, 67, 80, 8 and 9 (one plan and one task per layer serve every T:
 * the kernel works as a matrix-vector product for up to 8 rows and on tiles above, on a grid
 * resized to each call), against a float64 reference from the weights the model read.
 * The same with FP16 weights ({@code -Dattnc.tornado.fp16=true}), against the reference on the
 * weights rounded to binary16. Tolerance as in {@link TornadoLinearKernelsTest}, twice over
 * for the two layers.
 */
class TornadoLinearModelTest {
    private static final long SEED = 77;

    private static final String MLP = """
            model Mlp {
              dim T <= 80
              input x : [T, 37]
              param up : linear(37, 70) from "up"
              param down : linear(70, 45, bias = false) from "down"
              y = down(gelu_tanh(up(x)))
              output y
            }
            """;

    @Test
    void everyRowCountMatchesTheReference() {
        TornadoCompiled compiled = TornadoCompiled.source("mlp.attn", MLP);
        String source = compiled.source();
        assertEquals(2, tasks(source).lines().count(), () -> "one task per layer:\n" + tasks(source));
        assertTrue(source.contains("MlpTornado::linear,"), () -> tasks(source));
        // Both layers over 80 rows at most share one grid per output width, sized in the constructor for 80 rows
        // (ceil(70 / 64) = 2 tiles across, ceil(80 / 64) = 2 down) and resized by run() to each call.
        assertTrue(source.contains("grid_linear_70_by_T = new WorkerGrid2D(512, 2);"), source);
        assertTrue(source.contains("resizeLinear(grid_linear_70_by_T, T, 70);"), source);
        assertTrue(source.contains("resizeLinear(grid_linear_45_by_T, T, 45);"), source);
        run(compiled, false);
    }

    @Test
    void fp16WeightsMatchTheReferenceOnRoundedWeights() {
        TornadoCompiled compiled = withFp16("true", () -> TornadoCompiled.source("mlp.attn", MLP));
        String source = compiled.source();
        assertTrue(source.contains("private final HalfFloatArray up_weight;"), () -> "FP16 weight field:\n" + source);
        assertTrue(source.contains("private final FloatArray up_bias;"), "biases stay float");
        assertTrue(source.contains("MlpTornado::linearHalf,") && !source.contains("MlpTornado::linear,"), () -> tasks(source));
        run(compiled, true);
        // The kernels are still what TornadoVM compiles: the only calls beyond the FP32 kernels' are the half reads.
        List<String> problems = new ArrayList<>(KernelBytecodeTest.check(compiled.bytes.get(compiled.generated.className()),
                compiled.generated.className().replace('.', '/')));
        problems.removeIf(p -> p.endsWith("calls uk/ac/manchester/tornado/api/types/arrays/HalfFloatArray.get")
                || p.endsWith("calls uk/ac/manchester/tornado/api/types/HalfFloat.getFloat32"));
        assertEquals(List.of(), problems);
    }

    @Test
    void aConstantRowCountGetsTheGridItsWayNeeds() {
        // One row: ceil(70 / 8) = 9 groups of 256 for `up`; nine rows: ceil(70 / 64) = 2 tiles across, 1 down.
        String one = TornadoCompiled.source("one.attn", MLP.replace("dim T <= 80\n", "").replace("[T, 37]", "[1, 37]")).source();
        assertTrue(one.contains("grid_linear_70_by_1 = new WorkerGrid2D(" + 9 * 256 + ", 1);"), one);
        String many = TornadoCompiled.source("many.attn", MLP.replace("dim T <= 80\n", "").replace("[T, 37]", "[9, 37]")).source();
        assertTrue(many.contains("grid_linear_70_by_9 = new WorkerGrid2D(" + 2 * 256 + ", 1);"), many);
        run(TornadoCompiled.source("one.attn", MLP.replace("dim T <= 80\n", "").replace("[T, 37]", "[1, 37]")), false, 1);
        run(TornadoCompiled.source("many.attn", MLP.replace("dim T <= 80\n", "").replace("[T, 37]", "[9, 37]")), false, 9);
    }

    /**
     * The traffic counter sees FP16 weights at two bytes a read: at T = 1, {@code up} (37 -> 70)
     * runs 9 groups of 8 warps, each warp reading one weight row of 37 (the last group's two
     * spare warps read the last row again), so 72 x 37 weight reads, 2 bytes fewer each; every
     * other access is the same with float and FP16 weights.
     */
    @Test
    void fp16WeightsAreCountedAtTwoBytesARead() {
        long[] read = new long[2];
        for (int half = 0; half < 2; half++) {
            MemoryTraffic.instrumentNewClasses(true);
            TornadoCompiled compiled;
            try {
                compiled = withFp16(half == 1 ? "true" : "false", () -> TornadoCompiled.source("mlp.attn", MLP));
            } finally {
                MemoryTraffic.instrumentNewClasses(false);
            }
            try (Model model = compiled.load(new RecordingTornadoWeights(SEED))) {
                Map<String, Tensor> inputs = Map.of("x", Tensor.floats(new float[37], 1, 37));
                try (MemoryTraffic.Recording recording = MemoryTraffic.start(1)) {
                    model.forward(inputs);
                    MemoryTraffic.Report report = recording.stop();
                    read[half] = report.kernels().stream().filter(k -> k.name().endsWith(".up")).findFirst().orElseThrow()
                            .globalRead();
                }
            }
        }
        assertEquals(72 * 37 * 2, read[0] - read[1], () -> "global bytes read by `up`: float " + read[0] + ", FP16 " + read[1]);
    }

    @Test
    void aBadFp16SettingIsAClearError() {
        SourceFile file = new SourceFile("mlp.attn", MLP);
        FrontEnd.Result result = FrontEnd.check(file);
        assertFalse(result.diagnostics().hasErrors());
        CodegenException error = withFp16("yes", () -> assertThrows(CodegenException.class,
                () -> TornadoBackend.generate(result.models().get(0), file, JvmBackend.Options.defaults())));
        assertEquals("system property attnc.tornado.fp16 must be true or false, not `yes`", error.getMessage());
    }

    private static String tasks(String source) {
        return source.lines().filter(line -> line.contains("graph.task(")).map(String::strip).reduce("", (a, b) -> a + b + "\n");
    }

    private static <T> T withFp16(String value, Supplier<T> action) {
        String before = System.getProperty(TornadoLinearWriter.FP16_PROPERTY);
        System.setProperty(TornadoLinearWriter.FP16_PROPERTY, value);
        try {
            return action.get();
        } finally {
            if (before == null) {
                System.clearProperty(TornadoLinearWriter.FP16_PROPERTY);
            } else {
                System.setProperty(TornadoLinearWriter.FP16_PROPERTY, before);
            }
        }
    }

    private static void run(TornadoCompiled compiled, boolean half) {
        run(compiled, half, 1, 7, 67, 80, 8, 9);
    }

    private static void run(TornadoCompiled compiled, boolean half, int... rowCounts) {
        RecordingTornadoWeights weights = new RecordingTornadoWeights(SEED);
        Model model = compiled.load(weights);
        float[] upWeight = round(weights.get("up.weight"), half);
        float[] upBias = weights.get("up.bias");
        float[] downWeight = round(weights.get("down.weight"), half);
        SplittableRandom random = new SplittableRandom(SEED);
        for (int t : rowCounts) {
            float[] x = new float[t * 37];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (random.nextDouble() * 4 - 2);
            }
            float[] y = model.forward(Map.of("x", Tensor.floats(x, t, 37))).get("y").floatData();
            assertEquals(t * 45, y.length);
            for (int r = 0; r < t; r++) {
                double[] hidden = new double[70];
                double hiddenMagnitude = 0;
                for (int o = 0; o < 70; o++) {
                    double sum = upBias[o];
                    double magnitude = Math.abs(upBias[o]);
                    for (int i = 0; i < 37; i++) {
                        sum += (double) x[r * 37 + i] * upWeight[o * 37 + i];
                        magnitude += Math.abs((double) x[r * 37 + i] * upWeight[o * 37 + i]);
                    }
                    hidden[o] = TornadoLinearKernelsTest.activation(TornadoKernels.FUNCTIONS.get("gelu_tanh"), sum);
                    hiddenMagnitude = Math.max(hiddenMagnitude, 1.13 * (4e-7 * 37 * magnitude) + 1e-6);
                }
                for (int o = 0; o < 45; o++) {
                    double sum = 0;
                    double magnitude = 0;
                    double carried = 0;
                    for (int i = 0; i < 70; i++) {
                        sum += hidden[i] * downWeight[o * 70 + i];
                        magnitude += Math.abs(hidden[i] * downWeight[o * 70 + i]);
                        carried += hiddenMagnitude * Math.abs(downWeight[o * 70 + i]);
                    }
                    double tolerance = 2 * (4e-7 * 70 * magnitude + carried) + 1e-6;
                    assertEquals(sum, y[r * 45 + o], tolerance, "T = " + t + ", row " + r + ", output " + o);
                }
            }
        }
    }

    private static float[] round(float[] weights, boolean half) {
        float[] rounded = weights.clone();
        if (half) {
            for (int i = 0; i < rounded.length; i++) {
                rounded[i] = TornadoLinearKernelsTest.toHalf(rounded[i]);
            }
        }
        return rounded;
    }
}
