package dev.attnc.compiler.cli;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.ir.GraphPrinter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "graph", description = "Print the checked attention graph as Mermaid or Graphviz DOT source.")
final class GraphCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--format", paramLabel = "FORMAT", description = "mermaid (default) or dot")
    String format = "mermaid";

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "write to this file instead of standard output; an existing file only with --force")
    Path output;

    @Option(names = "--force", description = "let -o replace an existing file")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GraphPrinter.Format chosen = switch (format.toLowerCase(java.util.Locale.ROOT)) {
            case "mermaid" -> GraphPrinter.Format.MERMAID;
            case "dot" -> GraphPrinter.Format.DOT;
            default -> throw new Main.UsageError("unknown --format '" + format + "': use mermaid or dot");
        };
        if (output != null) {
            OutputPaths.checkFile("-o", output, force);
        }
        FrontEnd.Result result = FrontEnd.check(SourceFiles.read(file));
        spec.commandLine().getErr().print(result.diagnostics().render());
        spec.commandLine().getErr().flush();
        if (!result.ok()) {
            return Main.INPUT_ERRORS;
        }
        String text = GraphPrinter.print(result.models().stream().map(CheckedModel::graph).toList(), chosen);
        if (output == null) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
            return Main.OK;
        }
        try {
            OutputPaths.write(output, text);
        } catch (IOException e) {
            throw new Main.UsageError("cannot write " + Terminal.safe(output.toString()) + ": " + e.getMessage());
        }
        return Main.OK;
    }
}
