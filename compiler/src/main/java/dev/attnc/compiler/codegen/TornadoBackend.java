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
        Graph graph = Pipeline.run(model.graph(), (pass, g) -> Verifier.verify(g));
        Map<String, Long> maxDims = new LinkedHashMap<>();
        model.dims().forEach((dim, bound) -> maxDims.put(dim, bound.orElse(options.maxSeq())));
        BufferPlan plan = BufferPlanner.plan(graph, maxDims);
        String sourceName = source.name().substring(Math.max(source.name().lastIndexOf('/'), source.name().lastIndexOf('\\')) + 1);
        JavaFile file = TornadoModelWriter.write(model.withGraph(graph), graph, plan, new TornadoModelWriter.Options(
                options.packageName(), model.name() + "Tornado", sourceName, JvmBackend.leadingComment(source)));
        return new JvmBackend.Generated(model.withGraph(graph), graph, plan, file);
    }
}
