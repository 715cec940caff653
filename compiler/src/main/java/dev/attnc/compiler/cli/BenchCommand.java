package dev.attnc.compiler.cli;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.explain.Cost;
import dev.attnc.compiler.explain.CostModel;
import dev.attnc.compiler.ir.DType;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.kernels.Peak;
import dev.attnc.runtime.kernels.Threads;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bench", description = {
    "Time a model on random inputs and random weights (or --weights): per step and in total, with GFLOP/s and the share of this",
    "machine's measured peak. For comparisons with other engines, see docs/performance.md (JMH)."})
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--seq", paramLabel = "T", description = "the value of every run-time dim (default: ${DEFAULT-VALUE})")
    int seq = 512;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Option(names = "--threads", paramLabel = "N", description = "kernel threads (default: ATTNC_THREADS, or all cores)")
    Integer threads;

    @Option(names = "--iterations", paramLabel = "N", description = "timed calls after warm-up (default: ${DEFAULT-VALUE})")
    int iterations = 10;

    @Option(names = "--weights", paramLabel = "W",
            description = "time a checkpoint's weights instead of random ones (16-bit and quantized matrices keep their"
                    + " type, which changes the speed): safetensors, a Hugging Face folder or GGUF")
    Path weights;

    @Mixin
    WeightNamesOption weightNames = new WeightNamesOption();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (seq < 1) {
            throw new Main.UsageError("--seq must be at least 1, not " + seq);
        }
        if (iterations < 1) {
            throw new Main.UsageError("--iterations must be at least 1, not " + iterations);
        }
        if (threads != null && (threads < 1 || threads > Threads.Setting.MAX)) {
            throw new Main.UsageError("--threads must be from 1 to " + Threads.Setting.MAX + ", not " + threads);
        }
        if (threads == null) {
            Main.checkThreadSetting();
        }
        if (threads != null) {
            // Read once, when the kernels' pool starts: set it before any kernel runs.
            System.setProperty("attnc.threads", Integer.toString(threads));
        }
        if (weights != null) {
            SourceFiles.checkReadable("--weights", weights);
        }
        weightNames.check(weights);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SourceFile source = SourceFiles.read(file);
        CheckpointMetadata metadata;
        try {
            metadata = CheckpointOption.metadata(weights);
        } catch (WeightException e) {
            return CheckpointOption.unreadable(e, err);
        }
        FrontEnd.Result result = FrontEnd.check(source, metadata);
        err.print(result.diagnostics().render());
        err.flush();
        if (!result.ok()) {
            return Main.INPUT_ERRORS;
        }
        CheckedModel checked = result.models().get(0);
        Backends chosen = Backends.parse(backend);
        JvmBackend.Generated generated;
        Class<?> type;
        try {
            JvmBackend.Options options = new JvmBackend.Options("attnc.models", Math.max(seq, JvmBackend.DEFAULT_MAX_SEQ),
                    chosen == Backends.JVM);
            if (chosen == Backends.JVM) {
                generated = JvmBackend.generate(checked, source, options);
                type = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class)).classes().get(generated.className());
            } else {
                generated = TornadoBackend.generate(checked, source, options);
                type = TornadoCompilation.compileAndLoad(generated.file(), generated.className());
            }
        } catch (CodegenException e) {
            err.println(source.name() + ": error: " + e.getMessage());
            return Main.INPUT_ERRORS;
        }
        Graph graph = generated.graph();
        Map<String, Long> dims = new LinkedHashMap<>();
        checked.dims().forEach((dim, bound) -> dims.put(dim, (long) Math.min(seq, bound.orElse((long) seq))));
        try (WeightSource loaded = weights == null ? new RandomWeights(1) : weightNames.open(weights);
                Model model = weights == null ? load(type, loaded)
                        : CheckpointOption.loadAll(loaded, "model " + checked.name(), from -> load(type, from))) {
            if (weights != null) {
                out.println("weights: " + Terminal.safe(loaded.description()));
            }
            Map<String, Tensor> inputs = inputs(graph, dims);
            out.printf("%s at %s, %s backend, %s: warming up...%n", checked.name(), dims, chosen.name().toLowerCase(),
                    threadCount(Threads.count()));
            out.flush();
            int warm = warmUp(model, inputs);
            long[] profile = profile(model);
            // One row per call: the total, then each node's time in that call. Medians and bests
            // are taken per column, so one slow call (a GC pause, a preempted thread) moves
            // neither figure.
            long[] totals = new long[iterations];
            long[][] steps = new long[iterations][];
            for (int run = 0; run < iterations; run++) {
                if (profile != null) {
                    java.util.Arrays.fill(profile, 0);
                }
                long start = System.nanoTime();
                model.forward(inputs);
                totals[run] = System.nanoTime() - start;
                steps[run] = profile == null ? null : profile.clone();
            }
            double peak = Peak.gflops();
            Set<Integer> views = new HashSet<>();
            long flops = 0;
            out.printf("%-44s %10s %10s %10s %8s%n", "step", "median ms", "best ms", "GFLOP/s", "% peak");
            for (Node node : graph.nodes()) {
                Cost cost = CostModel.cost(graph, node, dims, views);
                long runs = runs(graph, node);
                flops += cost.flops() * runs;
                if (profile == null || profile.length <= node.id()) {
                    continue;
                }
                long[] times = new long[iterations];
                for (int run = 0; run < iterations; run++) {
                    times[run] = steps[run][node.id()];
                }
                double median = median(times) / 1e6;
                if (median == 0 && best(times) == 0) {
                    continue;
                }
                double gflops = median > 0 ? cost.flops() * runs / (median * 1e6) : 0;
                out.printf("%-44s %10.3f %10.3f %10.1f %8s%n", label(node), median, best(times) / 1e6, gflops,
                        peak > 0 ? String.format("%.0f%%", 100 * gflops / peak) : "-");
            }
            double median = median(totals) / 1e6;
            out.printf("peak: %.1f GFLOP/s measured (Vector API FMA on %s)%n", peak, threadCount(Threads.count()));
            out.printf("total: median %.2f ms, best %.2f ms of %d calls after %d warm-up calls; %.1f GFLOP/s at the median%n",
                    median, best(totals) / 1e6, iterations, warm, flops / (median * 1e6));
        } catch (WeightException e) {
            return CheckpointOption.unreadable(e, err);
        }
        out.flush();
        return Main.OK;
    }

    /**
     * The shortest warm-up: 6 seconds, what the JMH runs of docs/performance.md give a
     * block (3 warm-up iterations of 2 s). With 2 seconds a block at T = 512 was timed after
     * about 18 calls, before C2 had finished with it: 26.6 to 32.6 ms against 25.2 to 26.0 ms
     * after 6 seconds (gpt2_block, paired runs).
     */
    static final long MIN_WARM_UP_NANOS = 6_000_000_000L;

    /** Calls before timing starts: at least 5 and {@link #MIN_WARM_UP_NANOS}, then until the last 5 calls agree within 5 %, at most 20 seconds. */
    static int warmUp(Model model, Map<String, Tensor> inputs) {
        long start = System.nanoTime();
        long[] recent = new long[5];
        int calls = 0;
        while (true) {
            long before = System.nanoTime();
            model.forward(inputs);
            long now = System.nanoTime();
            recent[calls % recent.length] = now - before;
            calls++;
            long elapsed = now - start;
            if (calls >= recent.length && elapsed > MIN_WARM_UP_NANOS && settled(recent) || elapsed > 20_000_000_000L) {
                return calls;
            }
        }
    }

    /** Whether the slowest of these times is within 5 % of the fastest. */
    static boolean settled(long[] times) {
        long min = Long.MAX_VALUE;
        long max = 0;
        for (long time : times) {
            min = Math.min(min, time);
            max = Math.max(max, time);
        }
        return max <= min * 1.05;
    }

    static double median(long[] times) {
        long[] sorted = times.clone();
        java.util.Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
    }

    static long best(long[] times) {
        long best = Long.MAX_VALUE;
        for (long time : times) {
            best = Math.min(best, time);
        }
        return best;
    }

    /** "1 kernel thread", "2 kernel threads". */
    static String threadCount(int threads) {
        return threads + (threads == 1 ? " kernel thread" : " kernel threads");
    }

    /** The generated class's {@code load}; what it throws is thrown as itself, not wrapped. */
    private static Model load(Class<?> type, WeightSource weights) {
        try {
            return (Model) type.getMethod("load", WeightSource.class).invoke(null, weights);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the generated class " + type.getName(), e);
        }
    }

    private static long[] profile(Model model) {
        try {
            return (long[]) model.getClass().getField("profileNanos").get(model);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** How many times a node runs per call: once per layer of the repeats it is in. */
    private static long runs(Graph graph, Node node) {
        long runs = 1;
        for (var region : node.regions()) {
            if (region.kind() == dev.attnc.compiler.ir.Region.Kind.REPEAT) {
                runs *= graph.loop(region.id()).count();
            }
        }
        return runs;
    }

    private static String label(Node node) {
        String text = node.name().isEmpty() ? node.op().spelling() : node.name() + " = " + node.op().spelling();
        if (node.attrs().containsKey("param")) {
            text += " " + node.attr("param");
        }
        if (node.span() != null) {
            text += "  (line " + node.span().line() + ")";
        }
        return text.length() > 44 ? text.substring(0, 41) + "..." : text;
    }

    private static Map<String, Tensor> inputs(Graph graph, Map<String, Long> dims) {
        SplittableRandom random = new SplittableRandom(1);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (Node input : graph.inputs()) {
            int[] shape = input.type().shape().stream().mapToInt(d -> (int) CostModel.value(d, dims)).toArray();
            int count = (int) Tensor.sizeOf(shape);
            if (input.type().dtype() == DType.FLOAT) {
                float[] data = new float[count];
                for (int i = 0; i < count; i++) {
                    data[i] = (float) (random.nextDouble() * 2 - 1);
                }
                inputs.put(input.attr("name"), Tensor.floats(data, shape));
                continue;
            }
            int rows = 0;
            for (Node node : graph.nodes()) {
                if (node.op() == Op.EMBEDDING && node.input(0) == input) {
                    Param param = graph.param(Integer.parseInt(node.attr("param_id")));
                    rows = Integer.parseInt(param.attrs().get("count"));
                }
            }
            int[] data = new int[count];
            for (int i = 0; i < count; i++) {
                data[i] = shape.length == 0 ? (int) (long) dims.values().iterator().next() : rows > 0 ? random.nextInt(rows) : 1;
            }
            inputs.put(input.attr("name"), Tensor.ints(data, shape));
        }
        return inputs;
    }
}
