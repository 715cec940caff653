package dev.attnc.compiler.codegen.tornadovm;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.tornado.TornadoSupport;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.lang.model.element.Modifier;

/**
 * Test helper: gpt2_block's attention (12 causal heads of 64 over a KV cache of 1024 rows), as
 * the backend generates it now ({@code attention_a}, FlashAttention-2 tiles) and as it did before
 * ({@link #BASELINE}), in one class with a host method that runs either as a one-task TaskGraph
 * on the grid the generated host code gives it. On attnc's JVM implementation of the API by
 * default; in a JVM started with TornadoVM's argfile, on the default device.
 */
final class AttentionKernelHarness {
    private static final String API = TornadoKernels.API;
    private static final ClassName TASK_GRAPH = ClassName.get(API, "TaskGraph");
    private static final ClassName PLAN = ClassName.get(API, "TornadoExecutionPlan");
    private static final ClassName TRANSFER = ClassName.get(API + ".enums", "DataTransferMode");
    private static final ClassName GRID_SCHEDULER = ClassName.get(API, "GridScheduler");
    private static final ClassName WORKER_GRID_1D = ClassName.get(API, "WorkerGrid1D");
    private static final String NAME = "dev.attnc.test.AttentionKernels";

    /** gpt2_block's sizes: heads, head width, the cache's rows, and the row widths of q (c_attn's output), the cache and out. */
    static final int HEADS = 12;
    static final int HEAD_WIDTH = 64;
    static final int MAX_T = 1024;
    static final int Q_STRIDE = 2304;
    static final int WIDTH = 768;

    /**
     * The attention kernel the backend generated for gpt2_block before the FlashAttention-2
     * kernels (recovered from the golden file at commit dba969a~1): a work-item per (head, query),
     * the running output read and written in global memory once per key. Its grid was 12 x 1024
     * work-items in groups of 64.
     */
    static final MethodSpec BASELINE = TornadoKernels.kernel("attentionBaseline",
            "The former attention kernel of gpt2_block: one work-item per head and query, online softmax in global memory.",
            "KernelContext context, FloatArray q, FloatArray k, FloatArray v, FloatArray out, IntArray dims",
            """
            int item = context.globalIdx;
            int h = item / 1024;
            int t = item % 1024;
            int queries = dims.get(1);
            if (h < 12 && t < queries) {
                int keys = dims.get(0) + dims.get(1);
                int i = dims.get(0) + t;
                int kvHead = h / 1;
                int qAt = 0 + t * 2304 + h * 64;
                int outAt = 0 + t * 768 + h * 64;
                int first = 0;
                int last = TornadoMath.min(keys, i + 1);
                float max = -3.4028235E38f;
                float sum = 0;
                for (int d = 0; d < 64; d++) {
                    out.set(outAt + d, 0);
                }
                for (int j = first; j < last; j++) {
                    int kAt = 0 + j * 768 + kvHead * 64;
                    float s = 0;
                    for (int d = 0; d < 64; d++) {
                        s += q.get(qAt + d) * k.get(kAt + d);
                    }
                    s *= 0.125f;
                    if (s > max) {
                        float rescale = TornadoMath.exp(max - s);
                        sum *= rescale;
                        for (int d = 0; d < 64; d++) {
                            out.set(outAt + d, out.get(outAt + d) * rescale);
                        }
                        max = s;
                    }
                    float p = TornadoMath.exp(s - max);
                    sum += p;
                    int vAt = 0 + j * 768 + kvHead * 64;
                    for (int d = 0; d < 64; d++) {
                        out.set(outAt + d, out.get(outAt + d) + p * v.get(vAt + d));
                    }
                }
                float norm = sum > 0 ? 1.0f / sum : 0.0f;
                for (int d = 0; d < 64; d++) {
                    out.set(outAt + d, out.get(outAt + d) * norm);
                }
            }
            """);

    private final Method run;
    /** The generated attention task's grid: global work-items and group size. */
    final int global;
    final int local;

    private AttentionKernelHarness(Method run, int global, int local) {
        this.run = run;
        this.global = global;
        this.local = local;
    }

    static AttentionKernelHarness build() {
        Path path = Repo.path("samples/gpt2_block/gpt2_block.attn");
        SourceFile source = new SourceFile(path.toString(), Repo.read(path));
        FrontEnd.Result checked = FrontEnd.check(source);
        if (checked.diagnostics().hasErrors()) {
            throw new AssertionError(checked.diagnostics().render());
        }
        JvmBackend.Generated generated = TornadoBackend.generate(checked.models().get(0), source, JvmBackend.Options.defaults());
        MethodSpec current = generated.file().typeSpec().methodSpecs().stream().filter(m -> m.name().equals("attention_a"))
                .findFirst().orElseThrow(() -> new AssertionError("gpt2_block has no attention_a kernel"));
        Matcher grid = Pattern.compile("WorkerGrid1D grid_a = new WorkerGrid1D\\((\\d+)\\);\\s*grid_a\\.setLocalWork\\((\\d+),")
                .matcher(generated.file().toString());
        if (!grid.find()) {
            throw new AssertionError("no grid_a in gpt2_block's generated host code");
        }
        TypeSpec.Builder type = TypeSpec.classBuilder("AttentionKernels").addModifiers(Modifier.PUBLIC, Modifier.FINAL);
        type.addMethod(current);
        type.addMethod(BASELINE);
        type.addMethod(host());
        JavaFile file = JavaFile.builder("dev.attnc.test", type.build()).skipJavaLangImports(true).indent("    ").build();
        Class<?> loaded;
        if (TornadoSupport.available()) {
            loaded = TornadoCompilation.compileAndLoad(file, NAME);
        } else {
            InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(file), List.of(), List.of(TornadoCompiled.facade()), false);
            if (!compiled.warnings().isEmpty()) {
                throw new AssertionError(compiled.warnings().toString());
            }
            Map<String, byte[]> others = new HashMap<>(compiled.bytes());
            byte[] main = others.remove(NAME);
            loaded = TornadoSupport.loadOnJvm(NAME, main, others, AttentionKernelHarness.class.getClassLoader());
        }
        try {
            return new AttentionKernelHarness(loaded.getMethod("run", String.class, float[].class, float[].class, float[].class,
                    int.class, int.class, int.class, int.class, long[].class), Integer.parseInt(grid.group(1)),
                    Integer.parseInt(grid.group(2)));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Runs {@code kernel} ("attention_a" or "attentionBaseline") on a prefill of {@code rows}
     * rows; returns the output ([MAX_T, 768], rows past {@code rows} untouched). {@code nanos[0]}
     * gets the best wall time of {@code repeats} executes after the first (which compiles).
     */
    float[] run(String kernel, float[] q, float[] k, float[] v, int rows, int repeats, long[] nanos) {
        boolean baseline = kernel.equals("attentionBaseline");
        try {
            return (float[]) run.invoke(null, kernel, q, k, v, rows, baseline ? HEADS * MAX_T : global, baseline ? 64 : local, repeats,
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
        MethodSpec.Builder method = MethodSpec.methodBuilder("run").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(float[].class)
                .addParameter(String.class, "kernel").addParameter(float[].class, "q").addParameter(float[].class, "k")
                .addParameter(float[].class, "v").addParameter(TypeName.INT, "rows").addParameter(TypeName.INT, "global")
                .addParameter(TypeName.INT, "local").addParameter(TypeName.INT, "repeats").addParameter(long[].class, "nanos");
        method.addStatement("$T qs = $T.fromArray(q)", floatArray, floatArray);
        method.addStatement("$T ks = $T.fromArray(k)", floatArray, floatArray);
        method.addStatement("$T vs = $T.fromArray(v)", floatArray, floatArray);
        method.addStatement("$T out = new $T($L)", floatArray, floatArray, MAX_T * WIDTH);
        method.addStatement("out.init(0f)");
        method.addStatement("$T dims = $T.fromElements(0, rows)", intArray, intArray);
        method.addStatement("$T graph = new $T($S)", TASK_GRAPH, TASK_GRAPH, "harness");
        method.addStatement("graph.transferToDevice($T.FIRST_EXECUTION, qs, ks, vs, dims, out)", TRANSFER);
        method.beginControlFlow("if (kernel.equals($S))", "attentionBaseline");
        method.addStatement("graph.task($S, AttentionKernels::attentionBaseline, new $T(), qs, ks, vs, out, dims)", "a",
                TornadoKernels.KERNEL_CONTEXT);
        method.nextControlFlow("else");
        method.addStatement("graph.task($S, AttentionKernels::attention_a, new $T(), qs, ks, vs, out, dims)", "a",
                TornadoKernels.KERNEL_CONTEXT);
        method.endControlFlow();
        method.addComment("Fetched once after the timed executes: the times are the kernel's and the launch's.");
        method.addStatement("graph.transferToHost($T.UNDER_DEMAND, out)", TRANSFER);
        method.addStatement("$T grid = new $T(global)", WORKER_GRID_1D, WORKER_GRID_1D);
        method.addStatement("grid.setLocalWork(local, 1, 1)");
        method.addStatement("$T plan = new $T(graph.snapshot()).withGridScheduler(new $T($S, grid))", PLAN, PLAN, GRID_SCHEDULER,
                "harness.a");
        method.addStatement("plan.execute()");
        method.addStatement("long best = Long.MAX_VALUE");
        method.addStatement("$T result = null", ClassName.get(API, "TornadoExecutionResult"));
        method.beginControlFlow("for (int n = 0; n < repeats; n++)");
        method.addStatement("long start = System.nanoTime()");
        method.addStatement("result = plan.execute()");
        method.addStatement("best = Math.min(best, System.nanoTime() - start)");
        method.endControlFlow();
        method.addStatement("nanos[0] = best");
        method.beginControlFlow("if (result != null)");
        method.addStatement("result.transferToHost(out)");
        method.endControlFlow();
        method.addStatement("return out.toHeapArray()");
        return method.build();
    }
}
