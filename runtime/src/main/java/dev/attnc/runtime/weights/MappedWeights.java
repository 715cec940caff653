package dev.attnc.runtime.weights;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * An ONNX model's weights under the names a {@code .attn} file reads, by the rules of an
 * {@link OnnxNameMap}: each name is looked up through the first rule that matches it (a tensor
 * by name, or the input of a graph node, maybe transposed), or as it is when none does.
 *
 * <p>Errors name the tensor the model asked for, the rule that mapped it and the ONNX tensor it
 * found, e.g. {@code encoder.layer.0.output.dense.weight (minilm.onnx-map:9: input 1 of
 * /encoder/layer.0/output/dense/MatMul, transposed): expected [384, 1536], found onnx::MatMul_799
 * stored as [384, 384] in all-minilm-l6-v2.onnx}.
 */
public final class MappedWeights implements WeightSource {

    /** Where one name was found. */
    private record Resolved(String source, boolean transposed, String why) {}

    private final OnnxWeights onnx;
    private final OnnxNameMap map;

    MappedWeights(OnnxWeights onnx, OnnxNameMap map) {
        this.onnx = Objects.requireNonNull(onnx, "onnx");
        this.map = Objects.requireNonNull(map, "map");
    }

    /** The ONNX model underneath. */
    public OnnxWeights onnx() {
        return onnx;
    }

    /** The rules. */
    public OnnxNameMap map() {
        return map;
    }

    /**
     * The ONNX tensor {@code name} is read from, e.g. {@code onnx::MatMul_787} for
     * {@code encoder.layer.0.attention.self.query.weight}.
     *
     * @throws WeightException if a rule matches but names a node that is not in the model
     */
    public String source(String name) {
        return resolve(name).source();
    }

    @Override
    public float[] floats(String name, int[] shape, Init init) {
        Objects.requireNonNull(shape, "shape");
        Resolved r = resolve(name);
        if (r.why() == null) {
            return onnx.floats(name, shape, init);
        }
        if (!onnx.contains(r.source())) {
            throw new WeightException(name + " (" + r.why() + "): " + r.source() + " is not a tensor in "
                    + onnx.description() + " (it is not an initializer or a Constant node's output)");
        }
        int[] stored = onnx.shape(r.source());
        int[] wanted = shape;
        if (r.transposed()) {
            if (shape.length != 2 || stored.length != 2) {
                throw new WeightException(name + " (" + r.why() + "): only rank-2 tensors can be transposed, but "
                        + (shape.length != 2 ? "the model expects " + OnnxModelParser.shapeString(shape)
                                : r.source() + " is stored as " + OnnxModelParser.shapeString(stored))
                        + " in " + onnx.description());
            }
            wanted = new int[] {shape[1], shape[0]};
        }
        if (!Arrays.equals(stored, wanted)) {
            throw new WeightException(name + " (" + r.why() + "): expected " + OnnxModelParser.shapeString(shape)
                    + ", found " + r.source() + " stored as " + OnnxModelParser.shapeString(stored)
                    + (r.transposed() ? " (read transposed, it must be stored as "
                            + OnnxModelParser.shapeString(wanted) + ")" : "")
                    + " in " + onnx.description());
        }
        float[] data;
        try {
            data = onnx.floats(r.source(), wanted, init);
        } catch (WeightException e) {
            throw new WeightException(name + " (" + r.why() + "): " + e.getMessage(), e);
        }
        return r.transposed() ? transpose(data, wanted[0], wanted[1]) : data;
    }

    /** {@code [rows, cols]} row-major to {@code [cols, rows]}. */
    static float[] transpose(float[] data, int rows, int cols) {
        float[] out = new float[data.length];
        final int block = 32;
        for (int r0 = 0; r0 < rows; r0 += block) {
            for (int c0 = 0; c0 < cols; c0 += block) {
                int r1 = Math.min(rows, r0 + block);
                int c1 = Math.min(cols, c0 + block);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        out[c * rows + r] = data[r * cols + c];
                    }
                }
            }
        }
        return out;
    }

    private Resolved resolve(String name) {
        Objects.requireNonNull(name, "name");
        Optional<Map.Entry<OnnxNameMap.Compiled, Matcher>> found = map.match(name);
        if (found.isEmpty()) {
            return new Resolved(name, false, null);
        }
        OnnxNameMap.Compiled rule = found.get().getKey();
        Matcher target = found.get().getValue();
        String where = rule.where(map.file());
        String source = OnnxNameMap.substitute(rule.rule().source(), target);
        String transposed = rule.rule().transposed() ? ", transposed" : "";
        if (rule.rule().from() == OnnxNameMap.From.TENSOR) {
            return new Resolved(source, rule.rule().transposed(), where + ": tensor " + source + transposed);
        }
        int k = rule.rule().input();
        String why = where + ": input " + k + " of " + source + transposed;
        OnnxWeights.Node node = onnx.node(source).orElseThrow(() -> {
            String hint = NameHints.closest(source, onnx.nodeNames());
            return new WeightException(name + " (" + why + "): there is no node named " + source + " in "
                    + onnx.description() + (hint == null ? "" : " (did you mean " + hint + "?)"));
        });
        if (k >= node.inputs().size() || node.inputs().get(k).isEmpty()) {
            throw new WeightException(name + " (" + why + "): node " + source + " (" + node.opType() + ") has "
                    + (k >= node.inputs().size() ? "only " + node.inputs().size() + (node.inputs().size() == 1 ? " input" : " inputs")
                            : "no input " + k)
                    + " in " + onnx.description());
        }
        return new Resolved(node.inputs().get(k), rule.rule().transposed(), why);
    }

    @Override
    public boolean contains(String name) {
        try {
            return onnx.contains(resolve(name).source());
        } catch (WeightException e) {
            return false;
        }
    }

    /**
     * The names this source answers to: every target a rule maps to a tensor that is in the
     * model (found by matching the rule's source against the model's tensor or node names; a
     * rule whose target has placeholders its source lacks is not listed), then the model's own
     * names that no rule matches. Unmodifiable.
     */
    @Override
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (OnnxNameMap.Compiled rule : map.compiled()) {
            if (!OnnxNameMap.unbound(rule).isEmpty()) {
                continue;
            }
            Iterable<String> candidates = rule.rule().from() == OnnxNameMap.From.TENSOR
                    ? onnx.names() : onnx.nodes().stream().map(OnnxWeights.Node::name).toList();
            for (String candidate : candidates) {
                Map<String, String> values = OnnxNameMap.values(rule, candidate);
                if (values == null) {
                    continue;
                }
                String target = OnnxNameMap.fill(rule.rule().target(), values);
                Optional<Map.Entry<OnnxNameMap.Compiled, Matcher>> first = map.match(target);
                if (first.isPresent() && first.get().getKey() == rule && contains(target)) {
                    names.add(target);
                }
            }
        }
        for (String own : onnx.names()) {
            if (map.match(own).isEmpty()) {
                names.add(own);
            }
        }
        return Collections.unmodifiableSet(names);
    }

    /** E.g. {@code all-minilm-l6-v2.onnx (names by minilm.onnx-map)}. */
    @Override
    public String description() {
        return onnx.description() + " (names by " + map.file() + ")";
    }

    /** Closes the ONNX model. */
    @Override
    public void close() {
        onnx.close();
    }

    @Override
    public String toString() {
        return "MappedWeights[" + onnx + ", " + map + "]";
    }
}
