package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.api.CompilationException;
import dev.attnc.compiler.api.Weights;
import dev.attnc.compiler.explain.ExplainFormat;
import dev.attnc.compiler.explain.TrafficFormat;
import dev.attnc.compiler.explain.Explanation;
import dev.attnc.compiler.explain.Machine;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.TableIndexException;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.tornado.TornadoSupport;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", description = {
    "Show what each node of the fused graph costs at a sequence length: FLOPs, bytes read and written,"
            + " arithmetic intensity, and whether it is compute- or memory-bound on this machine's measured peaks"
            + " (or the figures given); totals; and the memory the fused attention saves.",
    "With --backend tornadovm --traffic: run the TornadoVM kernels on the JVM on seeded random weights and inputs and"
            + " count each kernel's global and local memory bytes, the minimum its math needs, and how well its warps'"
            + " accesses are coalesced."})
final class ExplainCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--seq", paramLabel = "T",
            description = "the value of every run-time dim (default: the model's bound, or 2048 if it declares none)")
    Long seq;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "table (default) or json: one object per model, an array of them if the file declares several")
    String format = "table";

    @Option(names = "--peak-gflops", paramLabel = "X", description = "peak float32 GFLOP/s to use instead of measuring")
    Double peakGflops;

    @Option(names = "--bandwidth-gbs", paramLabel = "Y", description = "memory bandwidth in GB/s to use instead of measuring")
    Double bandwidthGbs;

    @Option(names = "--traffic", description = "with --backend tornadovm: measure each kernel's memory traffic and coalescing"
            + " on the JVM (default --seq: " + DEFAULT_TRAFFIC_SEQ + ", or the model's bound if smaller)")
    boolean traffic;

    /** --seq for --traffic when none is given: instrumented kernels run one thread at a time, several times slower. */
    static final int DEFAULT_TRAFFIC_SEQ = 256;
    /** The largest --seq for --traffic: the model's buffers are sized by it, and instrumented runs are slow. */
    static final int MAX_TRAFFIC_SEQ = 65536;
    /** The seed of --traffic's random weights and inputs. */
    static final long TRAFFIC_SEED = 42;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        boolean json = switch (format.toLowerCase(Locale.ROOT)) {
            case "table" -> false;
            case "json" -> true;
            default -> throw new Main.UsageError("unknown --format '" + format + "': use table or json");
        };
        Backend chosen = Backends.parse(backend) == Backends.JVM ? Backend.JVM : Backend.TORNADOVM;
        if (seq != null && seq < 1) {
            throw new Main.UsageError("--seq must be at least 1, not " + seq);
        }
        if (traffic) {
            return traffic(json, chosen);
        }
        if ((peakGflops == null) != (bandwidthGbs == null)) {
            throw new Main.UsageError("give both --peak-gflops and --bandwidth-gbs, or neither (then both are measured)");
        }
        if (peakGflops != null && !(peakGflops > 0 && bandwidthGbs > 0 && Double.isFinite(peakGflops) && Double.isFinite(bandwidthGbs))) {
            throw new Main.UsageError("--peak-gflops and --bandwidth-gbs must be positive numbers");
        }
        SourceFile source = SourceFiles.read(file);
        Compilation compilation = Attnc.check(source.name(), source.text(), CompileOptions.defaults().withBackend(chosen));
        PrintWriter err = spec.commandLine().getErr();
        err.print(compilation.render());
        err.flush();
        if (!compilation.ok()) {
            return Main.INPUT_ERRORS;
        }
        Machine machine = peakGflops != null ? Machine.given(peakGflops, bandwidthGbs) : Machine.measured();
        List<Explanation> explanations = new ArrayList<>();
        for (AttnModel model : compilation.models()) {
            try {
                explanations.add(model.explain(length(model), machine));
            } catch (ArithmeticException overflow) {
                throw new Main.UsageError("--seq " + seq + " is too large: " + model.name() + "'s costs at it do not fit"
                        + " in a 64-bit count");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            // One object for a file with one model (the usual case), an array of them for several.
            out.print(explanations.size() == 1 ? ExplainFormat.json(explanations.get(0)) : ExplainFormat.json(explanations));
        } else {
            out.print(String.join("\n", explanations.stream().map(ExplainFormat::table).toList()));
        }
        out.flush();
        return Main.OK;
    }

    /** {@code --traffic}: each model's TornadoVM class, instrumented, run once on the JVM; a table per model. */
    private int traffic(boolean json, Backend chosen) {
        if (chosen != Backend.TORNADOVM) {
            throw new Main.UsageError("--traffic measures the TornadoVM kernels: add --backend tornadovm");
        }
        if (json) {
            throw new Main.UsageError("--traffic prints a table; --format json is not available with it");
        }
        if (peakGflops != null || bandwidthGbs != null) {
            throw new Main.UsageError("--peak-gflops and --bandwidth-gbs do not apply to --traffic, which counts bytes");
        }
        if (TornadoSupport.available()) {
            throw new Main.UsageError("--traffic runs the kernels on attnc's JVM stand-in for TornadoVM, and TornadoVM is in"
                    + " this JVM: run attnc without TornadoVM's launcher or argfile");
        }
        if (seq != null && seq > MAX_TRAFFIC_SEQ) {
            throw new Main.UsageError("--seq " + seq + " is more than --traffic measures: at most " + MAX_TRAFFIC_SEQ);
        }
        Main.checkThreadSetting();
        SourceFile source = SourceFiles.read(file);
        long maxSeq = Math.max(seq == null ? 0 : seq, CompileOptions.defaults().maxSeq());
        Compilation compilation = Attnc.check(source.name(), source.text(),
                new CompileOptions(Backend.TORNADOVM, CompileOptions.DEFAULT_PACKAGE, maxSeq));
        PrintWriter err = spec.commandLine().getErr();
        err.print(compilation.render());
        err.flush();
        if (!compilation.ok()) {
            return Main.INPUT_ERRORS;
        }
        PrintWriter out = spec.commandLine().getOut();
        List<AttnModel> models = compilation.models();
        for (AttnModel model : models) {
            trafficLength(model); // every length is checked before anything runs
        }
        for (int index = 0; index < models.size(); index++) {
            AttnModel model = models.get(index);
            int length = trafficLength(model);
            MemoryTraffic.instrumentNewClasses(true);
            try {
                model.modelClass();
            } catch (CompilationException e) {
                err.println(e.getMessage());
                return Main.INPUT_ERRORS;
            } finally {
                MemoryTraffic.instrumentNewClasses(false);
            }
            MemoryTraffic.Report report;
            try (WeightSource weights = Weights.random(TRAFFIC_SEED); Model loaded = model.load(weights)) {
                Map<String, Tensor> inputs = model.randomInputs(length, TRAFFIC_SEED);
                try (MemoryTraffic.Recording recording = MemoryTraffic.start(1)) {
                    loaded.forward(inputs);
                    report = recording.stop();
                }
            } catch (WeightException | ModelInputException | TableIndexException e) {
                err.println("attnc: error: " + Terminal.safe(String.valueOf(e.getMessage())));
                return Main.INPUT_ERRORS;
            }
            out.print((index == 0 ? "" : "\n") + TrafficFormat.table(String.format(Locale.ROOT, "%s from %s, TornadoVM kernels"
                    + " run on the JVM at every run-time dim = %d, random weights and inputs (seed %d): memory traffic per"
                    + " kernel, one forward call", model.name(), Terminal.safe(source.name()), length, TRAFFIC_SEED), report));
            out.flush();
        }
        return Main.OK;
    }

    /** --seq, checked against the model's smallest bound; without it, 256 or that bound if smaller. */
    private int trafficLength(AttnModel model) {
        long bound = Long.MAX_VALUE;
        String bounded = null;
        for (Map.Entry<String, Optional<Long>> dim : model.dims().entrySet()) {
            if (dim.getValue().isPresent() && dim.getValue().get() < bound) {
                bound = dim.getValue().get();
                bounded = dim.getKey();
            }
        }
        if (seq == null) {
            return (int) Math.min(DEFAULT_TRAFFIC_SEQ, bound);
        }
        if (seq > bound) {
            throw new Main.UsageError("--seq " + seq + " is more than the model takes: " + Terminal.safe(bounded) + " is at most "
                    + bound + "; pass --seq " + bound + " or less");
        }
        return (int) (long) seq;
    }

    /** --seq, or the smallest declared bound, or 2048. */
    private long length(AttnModel model) {
        if (seq != null) {
            return seq;
        }
        return model.dims().values().stream().flatMap(Optional::stream).mapToLong(Long::longValue).min()
                .orElse(CompileOptions.defaults().maxSeq());
    }
}
