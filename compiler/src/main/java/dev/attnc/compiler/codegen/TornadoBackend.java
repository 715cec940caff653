package dev.attnc.compiler.codegen;

import com.palantir.javapoet.JavaFile;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.tornadovm.TornadoModelWriter;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Verifier;
import dev.attnc.compiler.passes.BufferPlan;
import dev.attnc.compiler.passes.BufferPlanner;
import dev.attnc.compiler.passes.Pipeline;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pipeline steps 4 and 5 for TornadoVM: the same passes and plan as the JVM backend, then a
 * class named {@code <Model>Tornado} whose kernels TornadoVM compiles for the GPU.
 */
public final class TornadoBackend {
    private TornadoBackend() {
    }

    public static JvmBackend.Generated generate(CheckedModel model, SourceFile source, JvmBackend.Options options) {
        Verifier.verify(model.graph());
        refuseUnsupported(model.graph());
        Graph graph = Pipeline.run(model.graph(), (pass, g) -> Verifier.verify(g));
        Map<String, Long> maxDims = new LinkedHashMap<>();
        model.dims().forEach((dim, bound) -> maxDims.put(dim, bound.orElse(options.maxSeq())));
        BufferPlan plan = BufferPlanner.plan(graph, maxDims);
        String sourceName = source.name().substring(Math.max(source.name().lastIndexOf('/'), source.name().lastIndexOf('\\')) + 1);
        JavaFile file = TornadoModelWriter.write(model.withGraph(graph), graph, plan, new TornadoModelWriter.Options(
                options.packageName(), model.name() + "Tornado", sourceName, JvmBackend.leadingComment(source)));
        return new JvmBackend.Generated(model.withGraph(graph), graph, plan, file);
    }

    /** Language features the TornadoVM writer does not generate yet: refused by name, never computed wrongly. */
    private static void refuseUnsupported(Graph graph) {
        for (var param : graph.params()) {
            if (!param.alternatives().isEmpty()) {
                throw new CodegenException("the TornadoVM backend does not read alternative checkpoint names yet (`from \"a\" | \"b\"`, param `"
                        + param.name() + "` on line " + param.span().line() + "); use the JVM backend");
            }
            if ("optional".equals(param.attrs().get("bias"))) {
                throw new CodegenException("the TornadoVM backend does not read optional biases yet (`bias = optional`, param `"
                        + param.name() + "` on line " + param.span().line() + "); use the JVM backend");
            }
        }
        for (var node : graph.nodes()) {
            if (node.op() == dev.attnc.compiler.ir.Op.ROPE && (node.inputs().size() > 1 || node.attrs().containsKey("scaling"))) {
                throw new CodegenException("the TornadoVM backend does not compute rope with `positions` or `scaling` yet (line "
                        + node.span().line() + "); use the JVM backend");
            }
        }
    }
}
