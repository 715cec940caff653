package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.explain.ExplainFormat;
import dev.attnc.compiler.explain.Explanation;
import dev.attnc.compiler.explain.Machine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
            + " (or the figures given); totals; and the memory the fused attention saves."})
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

    /** --seq, or the smallest declared bound, or 2048. */
    private long length(AttnModel model) {
        if (seq != null) {
            return seq;
        }
        return model.dims().values().stream().flatMap(Optional::stream).mapToLong(Long::longValue).min()
                .orElse(CompileOptions.defaults().maxSeq());
    }
}
