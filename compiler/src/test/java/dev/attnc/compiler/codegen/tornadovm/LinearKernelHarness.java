package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.runtime.tornado.TornadoSupport;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Test helper: the linear kernels of {@link TornadoLinearWriter} (with the library helpers they
 * call) in one class, with a host method that runs one kernel as a one-task TaskGraph on a
 * given 2-D grid of work-groups (x, y). Compiled against the facade and run on attnc's JVM
 * implementation of the API; in a JVM started with TornadoVM's argfile, compiled against the
 * real API (as {@code attnc run} does) and run on the default device.
 */
final class LinearKernelHarness {
    private static final String API = TornadoKernels.API;
    private static final ClassName TASK_GRAPH = ClassName.get(API, "TaskGraph");
    private static final ClassName PLAN = ClassName.get(API, "TornadoExecutionPlan");
    private static final ClassName TRANSFER = ClassName.get(API + ".enums", "DataTransferMode");
    private static final ClassName GRID_SCHEDULER = ClassName.get(API, "GridScheduler");
    private static final ClassName WORKER_GRID_2D = ClassName.get(API, "WorkerGrid2D");
    private static final String NAME = "dev.attnc.test.LinearKernels";

    /** A run of one kernel: what the host passes, as the generated host code would. */
    record Launch(String kernel, float[] in, int inAt, int inStride, float[] weight, float[] bias, int function, float[] out,
            int outAt, int outStride, int rows, int count, int inWidth, int outWidth, int groups, int groupsDown, int groupSize,
            int repeats) {

        /** The grid the generated host code gives a call of {@code count} rows ({@code resizeLinear}). */
        static int[] callGrid(int count, int outWidth) {
            return new int[] {(int) TornadoLinearWriter.groupsAcross(count, outWidth), (int) TornadoLinearWriter.groupsDown(count)};
        }
    }

    /**
     * The linear kernel the backend had before TornadoLinearWriter (a work-item per row and
     * output, each reading its whole weight row), kept here as the baseline of speed measurements.
     */
    static final MethodSpec BASELINE = TornadoKernels.kernel("linearBaseline",
            "The former linear kernel: {@code @Parallel} over rows and outputs, a dot product per output.",
            "FloatArray in, int inAt, int inStride, FloatArray weight, FloatArray bias, int hasBias, int function, "
                    + "FloatArray out, int outAt, int outStride, IntArray dims, int rows, int rowBound, int inWidth, int outWidth",
            """
            int count = rows(dims, rows);
            for (@Parallel int r = 0; r < rowBound; r++) {
                for (@Parallel int o = 0; o < outWidth; o++) {
                    if (r < count) {
                        float sum = 0;
                        for (int i = 0; i < inWidth; i++) {
                            sum += in.get(inAt + r * inStride + i) * weight.get(o * inWidth + i);
                        }
                        if (hasBias == 1) {
                            sum += bias.get(o);
                        }
                        out.set(outAt + r * outStride + o, apply(function, sum, 0));
                    }
                }
            }
            """);

    private final Method run;

    private LinearKernelHarness(Method run) {
        this.run = run;
    }

    static LinearKernelHarness build() {
        TypeSpec.Builder type = TypeSpec.classBuilder("LinearKernels").addModifiers(Modifier.PUBLIC, Modifier.FINAL);
        Map<String, MethodSpec> library = TornadoKernels.library();
        for (String helper : List.of("rows", "apply", "erf")) {
            type.addMethod(library.get(helper));
        }
        TornadoLinearWriter.kernels().values().forEach(type::addMethod);
        type.addMethod(BASELINE);
        type.addMethod(host());
        JavaFile file = JavaFile.builder("dev.attnc.test", type.build()).skipJavaLangImports(true).indent("    ").build();
        Class<?> loaded;
        if (TornadoSupport.available()) {
            // Under TornadoVM's launcher: compiled against its API, the class file written where TornadoVM reads it
            // (-Dattnc.tornado.classes, which must be on -cp), run on the default device.
            loaded = TornadoCompilation.compileAndLoad(file, NAME);
        } else {
            InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(file), List.of(), List.of(TornadoCompiled.facade()), false);
            assertEquals(List.of(), compiled.warnings());
            Map<String, byte[]> others = new HashMap<>(compiled.bytes());
            byte[] main = others.remove(NAME);
            loaded = TornadoSupport.loadOnJvm(NAME, main, others, LinearKernelHarness.class.getClassLoader());
        }
        try {
            return new LinearKernelHarness(loaded.getMethod("run", String.class, float[].class, int.class, int.class, float[].class,
                    float[].class, int.class, float[].class, int.class, int.class, int.class, int.class, int.class, int.class,
                    int.class, int.class, int.class, int.class, long[].class));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Runs the launch and returns the output array; {@code nanos[0]} gets the best time of the
     * executes after the first (which compiles the kernel on a real TornadoVM).
     */
    float[] run(Launch launch, long[] nanos) {
        try {
            return (float[]) run.invoke(null, launch.kernel(), launch.in(), launch.inAt(), launch.inStride(), launch.weight(),
                    launch.bias(), launch.function(), launch.out(), launch.outAt(), launch.outStride(), launch.rows(), launch.count(),
                    launch.inWidth(), launch.outWidth(), launch.groups(), launch.groupsDown(), launch.groupSize(), launch.repeats(),
                    nanos);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AssertionError(e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static MethodSpec host() {
        ClassName floatArray = TornadoKernels.FLOAT_ARRAY;
        ClassName intArray = TornadoKernels.INT_ARRAY;
        ClassName halfArray = TornadoLinearWriter.HALF_FLOAT_ARRAY;
        MethodSpec.Builder method = MethodSpec.methodBuilder("run").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(float[].class)
                .addParameter(String.class, "kernel").addParameter(float[].class, "in").addParameter(TypeName.INT, "inAt")
                .addParameter(TypeName.INT, "inStride").addParameter(float[].class, "weight").addParameter(float[].class, "bias")
                .addParameter(TypeName.INT, "function").addParameter(float[].class, "out").addParameter(TypeName.INT, "outAt")
                .addParameter(TypeName.INT, "outStride").addParameter(TypeName.INT, "rows").addParameter(TypeName.INT, "count")
                .addParameter(TypeName.INT, "inWidth").addParameter(TypeName.INT, "outWidth").addParameter(TypeName.INT, "groups")
                .addParameter(TypeName.INT, "groupsDown").addParameter(TypeName.INT, "groupSize")
                .addParameter(TypeName.INT, "repeats").addParameter(long[].class, "nanos");
        method.addStatement("$T x = $T.fromArray(in)", floatArray, floatArray);
        method.addStatement("$T w = $T.fromArray(weight)", floatArray, floatArray);
        method.addStatement("$T h = new $T(weight.length)", halfArray, halfArray);
        method.beginControlFlow("for (int i = 0; i < weight.length; i++)");
        method.addStatement("h.set(i, new $T(weight[i]))", TornadoLinearWriter.HALF_FLOAT);
        method.endControlFlow();
        method.addStatement("$T b = $T.fromArray(bias.length > 0 ? bias : new float[1])", floatArray, floatArray);
        method.addStatement("$T y = $T.fromArray(out)", floatArray, floatArray);
        method.addStatement("$T dims = $T.fromElements(0, count)", intArray, intArray);
        method.addStatement("$T graph = new $T($S)", TASK_GRAPH, TASK_GRAPH, "harness");
        method.addStatement("graph.transferToDevice($T.FIRST_EXECUTION, x, w, h, b, dims, y)", TRANSFER);
        method.addStatement("int hasBias = bias.length > 0 ? 1 : 0");
        method.beginControlFlow("switch (kernel)");
        for (String kernel : TornadoLinearWriter.kernels().keySet()) {
            boolean half = kernel.endsWith("Half");
            method.addCode("case $S -> ", kernel);
            method.addStatement("graph.task($S, LinearKernels::$L, new $T(), x, inAt, inStride, $L, hasBias == 1 ? b : x, hasBias,"
                    + " function, y, outAt, outStride, dims, rows, inWidth, outWidth)", "linear", kernel, TornadoKernels.KERNEL_CONTEXT,
                    half ? "h" : "w");
        }
        method.addCode("case $S -> ", "linearBaseline");
        method.addStatement("graph.task($S, LinearKernels::linearBaseline, x, inAt, inStride, w, hasBias == 1 ? b : x, hasBias,"
                + " function, y, outAt, outStride, dims, rows, count, inWidth, outWidth)", "linear");
        method.addStatement("default -> throw new $T(kernel)", IllegalArgumentException.class);
        method.endControlFlow();
        method.addStatement("graph.transferToHost($T.EVERY_EXECUTION, y)", TRANSFER);
        method.addStatement("$T grid = new $T(groups * groupSize, groupsDown)", WORKER_GRID_2D, WORKER_GRID_2D);
        method.addStatement("grid.setLocalWork(groupSize, 1, 1)");
        method.addComment("The baseline is a @Parallel kernel: TornadoVM picks its grid.");
        method.addStatement("$T plan = kernel.equals($S) ? new $T(graph.snapshot())"
                + " : new $T(graph.snapshot()).withGridScheduler(new $T($S, grid))", PLAN, "linearBaseline", PLAN, PLAN, GRID_SCHEDULER,
                "harness.linear");
        method.addStatement("plan.execute()");
        method.addStatement("long best = Long.MAX_VALUE");
        method.beginControlFlow("for (int n = 0; n < repeats; n++)");
        method.addStatement("long start = System.nanoTime()");
        method.addStatement("plan.execute()");
        method.addStatement("best = Math.min(best, System.nanoTime() - start)");
        method.endControlFlow();
        method.addStatement("nanos[0] = best");
        method.addStatement("return y.toHeapArray()");
        return method.build();
    }
}
