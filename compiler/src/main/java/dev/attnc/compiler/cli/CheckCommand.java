package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.CompilationException;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.diag.SourceFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "check", description = "Check .attn files and print every error and warning.")
final class CheckCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "the .attn files to check")
    List<Path> files;

    @picocli.CommandLine.Option(names = "--weights", paramLabel = "W",
            description = "the checkpoint to check against: its metadata gives the sizes meta(...) reads")
    Path weights;

    @picocli.CommandLine.Option(names = "--max-seq", paramLabel = "N",
            description = "the largest value of run-time dims that declare no bound, as compile and run take it;"
                    + " the activations must fit at it (default: ${DEFAULT-VALUE})")
    long maxSeq = JvmBackend.DEFAULT_MAX_SEQ;

    @picocli.CommandLine.Option(names = "--backend", paramLabel = "B",
            description = "the backend whose code generation to check against: jvm (default) or tornadovm")
    String backend = "jvm";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (maxSeq < 1) {
            throw new Main.UsageError("--max-seq must be at least 1, not " + maxSeq);
        }
        int errors = 0;
        int warnings = 0;
        CompileOptions options = CompileOptions.defaults().withMaxSeq(maxSeq)
                .withBackend(Backends.parse(backend) == Backends.JVM ? Backend.JVM : Backend.TORNADOVM);
        try {
            var metadata = CheckpointOption.metadata(weights);
            options = metadata == null ? options : options.withCheckpoint(metadata);
        } catch (dev.attnc.runtime.weights.WeightException e) {
            return CheckpointOption.unreadable(e, spec.commandLine().getErr());
        }
        PrintWriter err = spec.commandLine().getErr();
        for (Path path : files) {
            SourceFile source = SourceFiles.read(path);
            Compilation checked = Attnc.check(source.name(), source.text(), options);
            err.print(checked.render());
            errors += checked.errorCount();
            warnings += checked.warningCount();
            // What code generation would refuse, so that check reports everything compile does.
            errors += generationErrors(checked.models(), err);
        }
        err.flush();
        String summary = summary(files.size(), errors, warnings);
        (errors > 0 ? spec.commandLine().getErr() : spec.commandLine().getOut()).println(summary);
        return errors > 0 ? Main.INPUT_ERRORS : Main.OK;
    }

    /**
     * Reports what stops the models of a clean file from being generated: activations that do
     * not fit (at the statement of the largest value, as the API reports them), then anything
     * else code generation refuses. Returns the number of errors reported.
     */
    static int generationErrors(List<AttnModel> models, PrintWriter err) {
        int errors = 0;
        for (AttnModel model : models) {
            try {
                model.javaSource();
            } catch (CompilationException e) {
                e.diagnostics().forEach(diagnostic -> err.println(diagnostic.rendered()));
                errors++;
            }
        }
        err.flush();
        return errors;
    }

    static String summary(int files, int errors, int warnings) {
        String checked = "checked " + files + " file" + (files == 1 ? "" : "s") + ": ";
        String counts = errors == 0 && warnings == 0 ? "no problems"
                : plural(errors, "error") + ", " + plural(warnings, "warning");
        return checked + counts;
    }

    static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
