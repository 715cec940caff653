package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.diag.SourceFile;
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        int errors = 0;
        int warnings = 0;
        CompileOptions options = CompileOptions.defaults();
        try {
            var metadata = CheckpointOption.metadata(weights);
            options = metadata == null ? options : options.withCheckpoint(metadata);
        } catch (dev.attnc.runtime.weights.WeightException e) {
            return CheckpointOption.unreadable(e, spec.commandLine().getErr());
        }
        for (Path path : files) {
            SourceFile source = SourceFiles.read(path);
            Compilation checked = Attnc.check(source.name(), source.text(), options);
            spec.commandLine().getErr().print(checked.render());
            errors += checked.errorCount();
            warnings += checked.warningCount();
        }
        spec.commandLine().getErr().flush();
        String summary = summary(files.size(), errors, warnings);
        (errors > 0 ? spec.commandLine().getErr() : spec.commandLine().getOut()).println(summary);
        return errors > 0 ? Main.INPUT_ERRORS : Main.OK;
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
