package dev.attnc.compiler.cli;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompilationException;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.PackageName;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.passes.Pipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "where to write the sources, in folders for their package; created if missing. A source of the"
                    + " same name that attnc generated before is replaced; any other file there is left alone"
                    + " and the command stops (default: ${DEFAULT-VALUE})")
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

    @Option(names = "--weights", paramLabel = "W",
            description = "the checkpoint to compile against: its metadata gives the sizes meta(...) reads")
    Path weights;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            PackageName.check(packageName);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--package: " + e.getMessage());
        }
        if (maxSeq < 1) {
            throw new Main.UsageError("--max-seq must be at least 1, not " + maxSeq);
        }
        OutputPaths.checkFolder("-o", output);
        SourceFile source = SourceFiles.read(file);
        Backend chosen;
        Main.UsageError badBackend = null;
        try {
            chosen = Backends.parse(backend) == Backends.JVM ? Backend.JVM : Backend.TORNADOVM;
        } catch (Main.UsageError e) {
            chosen = Backend.JVM;
            badBackend = e;
        }
        dev.attnc.runtime.weights.CheckpointMetadata metadata;
        try {
            metadata = CheckpointOption.metadata(weights);
        } catch (dev.attnc.runtime.weights.WeightException e) {
            return CheckpointOption.unreadable(e, spec.commandLine().getErr());
        }
        Compilation compilation = Attnc.check(source.name(), source.text(),
                new CompileOptions(chosen, packageName, maxSeq, metadata));
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
        MaxSeqOption.warnIfUnused(spec, compilation.models(), maxSeq, err);
        // With --dump-ir the graphs are printed first, and a refusal comes after them.
        if (dumpIr == null && CheckCommand.generationErrors(compilation.models(), err) > 0) {
            return Main.INPUT_ERRORS;
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<Path, String> javaFiles = new LinkedHashMap<>();
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
            String java;
            try {
                java = model.javaSource();
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
            javaFiles.put(target(model.className()), java);
        }
        // Every target is checked before the first is written: a refusal leaves the folder as it was.
        for (Path target : javaFiles.keySet()) {
            checkReplaceable(target);
        }
        for (Map.Entry<Path, String> javaFile : javaFiles.entrySet()) {
            Path target = javaFile.getKey();
            try {
                Files.createDirectories(target.getParent());
                OutputPaths.write(target, javaFile.getValue());
            } catch (IOException e) {
                throw new Main.UsageError("cannot write " + Terminal.safe(target.toString()) + ": " + e.getMessage());
            }
            out.println("wrote " + Terminal.safe(shown(target).toString()));
        }
        out.flush();
        return Main.OK;
    }

    /** Where the class {@code className} (fully qualified) goes: {@code -o}/its/package/Name.java, inside -o. */
    private Path target(String className) {
        return OutputPaths.inside(output, className.replace('.', '/') + ".java");
    }

    /** The line every source attnc generates carries; a file without it is not attnc's to replace. */
    static final String GENERATED_MARK = "Generated by attnc from ";

    /** Files larger than this are not sources attnc generated (which are far smaller): never replaced. */
    private static final long LARGEST_GENERATED = 64L << 20;

    /** A file may be written at {@code target} if nothing is there or attnc generated what is. */
    private void checkReplaceable(Path target) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String shown = Terminal.safe(shown(target).toString());
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new Main.UsageError(shown + " exists and is not a regular file; remove it or choose another -o");
        }
        try {
            if (Files.size(target) <= LARGEST_GENERATED
                    && new String(Files.readAllBytes(target), StandardCharsets.UTF_8).contains(GENERATED_MARK)) {
                return;
            }
        } catch (IOException e) {
            throw new Main.UsageError("cannot read " + shown + ": " + e.getMessage());
        }
        throw new Main.UsageError(shown + " exists and was not generated by attnc; remove it or choose another -o");
    }

    /** {@code path} as the user named the folder: relative to -o as given. */
    private Path shown(Path path) {
        Path base = output.toAbsolutePath().normalize();
        return output.resolve(base.relativize(path));
    }
}
