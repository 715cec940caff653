package dev.attnc.compiler.check;

import dev.attnc.compiler.ast.Stmt;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.TensorType;
import java.util.Map;

/**
 * A param instance: one per declaration per block expansion.
 *
 * @param id         the graph's id for this param instance
 * @param kind       which layer, or a bare tensor
 * @param tensors    checkpoint tensor suffix ("weight", "bias", or "" for a bare tensor) to its type
 * @param attrs      the layer's settings (in, out, eps, ...), as printed in the graph
 * @param checkpoint the checkpoint name template, placeholders such as {layer} still in it
 */
record ParamInfo(int id, Stmt.Param decl, Kind kind, Map<String, TensorType> tensors, Map<String, String> attrs,
        String checkpoint, Node[] node) {

    /** Not yet registered in the graph. */
    static final int UNREGISTERED = -1;

    ParamInfo withId(int newId) {
        return new ParamInfo(newId, decl, kind, tensors, attrs, checkpoint, node);
    }

    enum Kind {
        TENSOR("tensor"), LINEAR("linear"), LAYERNORM("layernorm"), RMSNORM("rmsnorm"), EMBEDDING("embedding");

        final String spelling;

        Kind(String spelling) {
            this.spelling = spelling;
        }
    }

    String name() {
        return decl.name().text();
    }
}
