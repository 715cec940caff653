package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds what the checker left: arithmetic with a number that changes nothing ({@code x * 1},
 * {@code x + 0}), two scalings in a row ({@code x * a / b} becomes one multiply), and
 * {@code -(-x)}. Numbers in dims and attributes were already folded by the checker.
 */
public final class FoldConstants implements Pass {

    @Override
    public String name() {
        return "fold-constants";
    }

    @Override
    public Graph run(Graph graph) {
        Rewriter rewriter = new Rewriter(graph);
        int[] users = Rewriter.users(graph);
        // A value a repeat hands to the next layer keeps its own node: replacing it by its input
        // would make it alias a buffer from before the loop.
        Map<Integer, Integer> exits = new HashMap<>(); // exit node to its loop's region
        graph.loops().forEach(loop -> loop.carries().forEach(carry -> exits.put(carry.exit(), loop.region())));
        java.util.Set<Integer> removed = new java.util.HashSet<>();
        // A scaling node merged with the one before it: its total factor and what it now reads.
        Map<Integer, Double> factors = new HashMap<>();
        Map<Integer, Integer> sources = new HashMap<>();
        for (Node node : graph.nodes()) {
            if (isIdentity(node) && (!exits.containsKey(node.id())
                    || !removed.contains(node.input(0).id()) && staysInBody(node.input(0), exits.get(node.id())))) {
                rewriter.replace(node.id(), node.input(0).id());
                removed.add(node.id());
                continue;
            }
            Node inner = node.inputs().isEmpty() ? null : node.input(0);
            if (node.op() == Op.NEG && inner.op() == Op.NEG && users[inner.id()] == 1 && !removed.contains(inner.id())
                    && !exits.containsKey(inner.id()) && !exits.containsKey(node.id())) {
                rewriter.drop(inner.id());
                rewriter.replace(node.id(), inner.input(0).id());
                removed.add(inner.id());
                removed.add(node.id());
                continue;
            }
            Double factor = scaling(node);
            Double innerFactor = inner == null || removed.contains(inner.id()) || exits.containsKey(inner.id()) ? null
                    : factors.getOrDefault(inner.id(), scaling(inner));
            if (factor != null && innerFactor != null && users[inner.id()] == 1) {
                double merged = factor * innerFactor;
                int source = sources.getOrDefault(inner.id(), inner.input(0).id());
                rewriter.drop(inner.id());
                removed.add(inner.id());
                if (merged == 1 && (!exits.containsKey(node.id()) || staysInBody(graph.node(source), exits.get(node.id())))) {
                    rewriter.replace(node.id(), source); // the scalings cancel out
                    removed.add(node.id());
                    continue;
                }
                rewriter.edit(node.id(), Op.MUL, List.of(source),
                        Map.of("scalar", Double.toString(merged), "scalar_side", "right"));
                factors.put(node.id(), merged);
                sources.put(node.id(), source);
            }
        }
        return rewriter.apply();
    }

    /** A replacement for a loop's exit must be computed in the loop's body, not carried in or made before it. */
    private static boolean staysInBody(Node replacement, int region) {
        return replacement.op() != Op.CARRY && replacement.regions().stream().anyMatch(r -> r.id() == region);
    }

    /** {@code x * 1}, {@code x / 1}, {@code x + 0}, {@code x - 0}, {@code 0 + x}, {@code 1 * x}. */
    private static boolean isIdentity(Node node) {
        String scalar = node.attrs().get("scalar");
        if (scalar == null) {
            return false;
        }
        double value = Double.parseDouble(scalar);
        boolean right = "right".equals(node.attrs().get("scalar_side"));
        return switch (node.op()) {
            case MUL -> value == 1;
            case DIV -> right && value == 1;
            case ADD -> value == 0;
            case SUB -> right && value == 0;
            default -> false;
        };
    }

    /** The factor of a multiply or divide by a number (x * c, c * x, x / c); null for anything else. */
    static Double scaling(Node node) {
        String scalar = node.attrs().get("scalar");
        if (scalar == null) {
            return null;
        }
        double value = Double.parseDouble(scalar);
        boolean right = "right".equals(node.attrs().get("scalar_side"));
        if (node.op() == Op.MUL) {
            return value;
        }
        if (node.op() == Op.DIV && right && value != 0) {
            return 1 / value;
        }
        return null;
    }
}
