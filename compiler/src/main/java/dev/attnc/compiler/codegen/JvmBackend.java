package dev.attnc.compiler.codegen;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.jvm.JvmModelWriter;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Verifier;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlanner;
import dev.attnc.compiler.passes.Pipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/** Pipeline steps 4 and 5 for the JVM: passes, buffer planning, Java source. */
public final class JvmBackend {
    /** The largest value of a run-time dim that declares no bound, unless the user says otherwise. */
    public static final long DEFAULT_MAX_SEQ = 2048;

    private JvmBackend() {
    }

    /**
     * @param packageName the generated class's package
     * @param maxSeq      the largest value of every run-time dim without a declared bound
     * @param profile     time every step of {@code compute} into a public {@code profileNanos} array (for attnc bench)
     */
    public record Options(String packageName, long maxSeq, boolean profile) {
        public Options(String packageName, long maxSeq) {
            this(packageName, maxSeq, false);
        }

        public static Options defaults() {
            return new Options("attnc.models", DEFAULT_MAX_SEQ);
        }
    }

    /** A model on its way to Java: its graph after passes, its buffer plan, its source. */
    public record Generated(CheckedModel model, Graph graph, BufferPlan plan, JavaFile file) {
        public String className() {
            return file.packageName().isEmpty() ? file.typeSpec().name() : file.packageName() + "." + file.typeSpec().name();
        }
    }

    public static Generated generate(CheckedModel model, SourceFile source, Options options) {
        return generate(model, source, options, (pass, graph) -> Verifier.verify(graph));
    }

    /** As {@link #generate(CheckedModel, SourceFile, Options)}, showing the graph after each pass. */
    public static Generated generate(CheckedModel model, SourceFile source, Options options, BiConsumer<String, Graph> afterEachPass) {
        Verifier.verify(model.graph());
        Graph graph = Pipeline.run(model.graph(), afterEachPass);
        Map<String, Long> maxDims = new LinkedHashMap<>();
        model.dims().forEach((dim, bound) -> maxDims.put(dim, bound.orElse(options.maxSeq())));
        BufferPlan plan;
        try {
            plan = BufferPlanner.plan(graph, maxDims);
        } catch (ArithmeticException overflow) {
            throw new CodegenException("the activations of " + model.name() + " do not fit in memory at " + maxDims
                    + "; lower the bound of the run-time dims");
        }
        if (plan.floats() > Integer.MAX_VALUE - 16 || plan.ints() > Integer.MAX_VALUE - 16) {
            throw new CodegenException("the activations of " + model.name() + " need " + plan.floats()
                    + " floats at " + maxDims + ", more than one Java array holds; lower the bound of the run-time dims");
        }
        String sourceName = source.name().substring(Math.max(source.name().lastIndexOf('/'), source.name().lastIndexOf('\\')) + 1);
        JavaFile file = JvmModelWriter.write(model.withGraph(graph), graph, plan,
                new JvmModelWriter.Options(options.packageName(), sourceName, leadingComment(source), options.profile()));
        return new Generated(model.withGraph(graph), graph, plan, file);
    }

    /** The comment lines a file starts with: the model's description, in the generated class's Javadoc. */
    public static String leadingComment(SourceFile source) {
        StringBuilder comment = new StringBuilder();
        for (int line = 1; line <= source.lineCount(); line++) {
            String text = source.lineText(line).strip();
            if (!text.startsWith("//")) {
                break;
            }
            comment.append(text.substring(2).strip()
                    .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")).append('\n');
        }
        return comment.toString();
    }
}
