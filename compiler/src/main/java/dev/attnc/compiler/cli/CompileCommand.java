package dev.attnc.compiler.cli;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.passes.Pipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "compile", description = "Compile a .attn file to Java source, one class per model.")
final class CompileCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the .attn file")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "where to write the sources (default: ${DEFAULT-VALUE})")
    Path output = Path.of("generated");

    @Option(names = "--package", paramLabel = "P", description = "the package of the generated classes (default: ${DEFAULT-VALUE})")
    String packageName = "attnc.models";

    @Option(names = "--max-seq", paramLabel = "N",
            description = "the largest value of run-time dims that declare no bound (default: ${DEFAULT-VALUE})")
    long maxSeq = JvmBackend.DEFAULT_MAX_SEQ;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Option(names = "--dump-ir", paramLabel = "PASS", arity = "0..1", fallbackValue = "final",
            description = "print the attention graph: after checking (checked), after one pass, after every pass (all),"
                    + " or the final graph (no value)")
    String dumpIr;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SourceFile source = SourceFiles.read(file);
        FrontEnd.Result result = FrontEnd.check(source);
        PrintWriter err = spec.commandLine().getErr();
        err.print(result.diagnostics().render());
        err.flush();
        if (!result.ok()) {
            return Main.INPUT_ERRORS;
        }
        if (dumpIr != null && !dumpIr.equals("final") && !dumpIr.equals("all") && !dumpIr.equals("checked")
                && !Pipeline.passNames().contains(dumpIr)) {
            throw new Main.UsageError("unknown pass '" + dumpIr + "' for --dump-ir; passes are: checked, "
                    + String.join(", ", Pipeline.passNames()) + ", all");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Path> written = new ArrayList<>();
        for (CheckedModel model : result.models()) {
            if ("checked".equals(dumpIr) || "all".equals(dumpIr)) {
                out.println("// " + model.name() + " as checked");
                out.print(IrPrinter.print(model.graph()));
            }
            JvmBackend.Generated generated;
            try {
                JvmBackend.Options options = new JvmBackend.Options(packageName, maxSeq);
                generated = switch (Backends.parse(backend)) {
                    case JVM -> JvmBackend.generate(model, source, options, (pass, graph) -> {
                        if (pass.equals(dumpIr) || "all".equals(dumpIr)) {
                            out.println("// " + model.name() + " after " + pass);
                            out.print(IrPrinter.print(graph));
                        }
                    });
                    case TORNADOVM -> TornadoBackend.generate(model, source, options);
                };
            } catch (CodegenException e) {
                err.println(source.name() + ": error: " + e.getMessage());
                return Main.INPUT_ERRORS;
            }
            if ("final".equals(dumpIr)) {
                out.print(IrPrinter.print(generated.graph()));
            }
            if (dumpIr != null) {
                continue;
            }
            try {
                written.add(generated.file().writeToPath(output));
            } catch (IOException e) {
                throw new Main.UsageError("cannot write to " + output + ": " + e.getMessage());
            }
        }
        for (Path path : written) {
            out.println("wrote " + path);
        }
        out.flush();
        return Main.OK;
    }
}
