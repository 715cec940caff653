package dev.attnc.compiler.cli;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.GraphPrinter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "graph", description = {"Draw the checked attention graph as an SVG picture (-o graph.svg), or print it as Mermaid or Graphviz DOT source.",
    "The format follows -o's extension (.svg, .mmd, .dot) unless --format says otherwise; without -o, Mermaid text."})
final class GraphCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = "--format", paramLabel = "FORMAT", description = "svg, mermaid or dot (default: from -o's extension, else mermaid)")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "write to this file instead of standard output; an existing file only with --force")
    Path output;

    @Option(names = "--force", description = "let -o replace an existing file")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String chosen = format != null ? format.toLowerCase(java.util.Locale.ROOT) : fromExtension(output);
        if (!chosen.equals("svg") && !chosen.equals("mermaid") && !chosen.equals("dot")) {
            throw new Main.UsageError("unknown --format '" + Terminal.safe(format) + "': use svg, mermaid or dot");
        }
        if (output != null) {
            OutputPaths.checkFile("-o", output, force);
        }
        FrontEnd.Result result = FrontEnd.check(SourceFiles.read(file));
        spec.commandLine().getErr().print(result.diagnostics().render());
        spec.commandLine().getErr().flush();
        if (!result.ok()) {
            return Main.INPUT_ERRORS;
        }
        List<Graph> graphs = result.models().stream().map(CheckedModel::graph).toList();
        String text = switch (chosen) {
            case "svg" -> GraphSvg.render(graphs);
            case "dot" -> GraphPrinter.print(graphs, GraphPrinter.Format.DOT);
            default -> GraphPrinter.print(graphs, GraphPrinter.Format.MERMAID);
        };
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

    /** svg for a .svg file, dot for .dot or .gv, else mermaid. */
    private static String fromExtension(Path output) {
        Path fileName = output == null ? null : output.getFileName();
        String name = fileName == null ? "" : fileName.toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".svg") ? "svg" : name.endsWith(".dot") || name.endsWith(".gv") ? "dot" : "mermaid";
    }
}
