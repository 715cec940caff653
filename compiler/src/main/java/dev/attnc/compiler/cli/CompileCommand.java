package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompilationException;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.diag.SourceFile;
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
        Backend chosen;
        Main.UsageError badBackend = null;
        try {
            chosen = Backends.parse(backend) == Backends.JVM ? Backend.JVM : Backend.TORNADOVM;
        } catch (Main.UsageError e) {
            chosen = Backend.JVM;
            badBackend = e;
        }
        if (maxSeq < 1) {
            throw new Main.UsageError("--max-seq must be at least 1, not " + maxSeq);
        }
        Compilation compilation = Attnc.check(source.name(), source.text(), new CompileOptions(chosen, packageName, maxSeq));
        PrintWriter err = spec.commandLine().getErr();
        err.print(compilation.render());
        err.flush();
        if (!compilation.ok()) {
            return Main.INPUT_ERRORS;
        }
        if (dumpIr != null && !dumpIr.equals("final") && !dumpIr.equals("all") && !dumpIr.equals("checked")
                && !Pipeline.passNames().contains(dumpIr)) {
            throw new Main.UsageError("unknown pass '" + dumpIr + "' for --dump-ir; passes are: checked, "
                    + String.join(", ", Pipeline.passNames()) + ", all");
        }
        if (badBackend != null) {
            throw badBackend;
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Path> written = new ArrayList<>();
        for (AttnModel model : compilation.models()) {
            if ("checked".equals(dumpIr) || "all".equals(dumpIr)) {
                out.println("// " + model.name() + " as checked");
                out.print(model.ir("checked"));
            }
            for (String pass : Pipeline.passNames()) {
                if (pass.equals(dumpIr) || "all".equals(dumpIr)) {
                    out.println("// " + model.name() + " after " + pass);
                    out.print(model.ir(pass));
                }
            }
            try {
                model.javaSource();
            } catch (CompilationException e) {
                err.println(e.getMessage());
                return Main.INPUT_ERRORS;
            }
            if ("final".equals(dumpIr)) {
                out.print(model.ir("final"));
            }
            if (dumpIr != null) {
                continue;
            }
            try {
                written.add(model.writeJava(output));
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
