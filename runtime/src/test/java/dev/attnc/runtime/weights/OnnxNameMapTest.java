package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.OnnxBytes.f32;
import static dev.attnc.runtime.weights.OnnxBytes.graph;
import static dev.attnc.runtime.weights.OnnxBytes.model;
import static dev.attnc.runtime.weights.OnnxBytes.node;
import static dev.attnc.runtime.weights.OnnxBytes.nodes;
import static dev.attnc.runtime.weights.OnnxBytes.raw;
import static dev.attnc.runtime.weights.OnnxBytes.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The .onnx-map format: parsing, its errors, and reading weights through it. */
class OnnxNameMapTest {

    /** Two layers of a linear layer exported from PyTorch: generated names, [in, out] weights. */
    static OnnxWeights twoLayers() {
        return OnnxWeights.read(model(graph(
                nodes(node("/layer.0/lin/MatMul", "MatMul", new String[] {"x", "onnx::MatMul_7"}, "h"),
                        node("/layer.0/lin/Add", "Add", new String[] {"layer.0.lin.bias", "h"}, "y0"),
                        node("/layer.1/lin/MatMul", "MatMul", new String[] {"y0", "onnx::MatMul_9"}, "h1"),
                        node("/layer.1/lin/Add", "Add", new String[] {"layer.1.lin.bias", "h1"}, "y"),
                        node("/odd/MatMul", "MatMul", new String[] {"y"}, "z")),
                raw("onnx::MatMul_7", 1, shape(2, 3), f32(1, 2, 3, 4, 5, 6)),
                raw("layer.0.lin.bias", 1, shape(3), f32(1, 1, 1)),
                raw("onnx::MatMul_9", 1, shape(2, 3), f32(10, 20, 30, 40, 50, 60)),
                raw("layer.1.lin.bias", 1, shape(3), f32(2, 2, 2)),
                raw("shared", 1, shape(3), f32(7, 8, 9)))), "two.onnx");
    }

    static final String MAP = """
            # linear weights: input 1 of each MatMul, stored [in, out]
            layer.{n}.lin.weight <- input 1 of /layer.{n}/lin/MatMul transposed

            layer.{n}.scale      <- tensor shared      # one tensor for every layer
            alias.{a}.{a}        <- tensor layer.{a}.lin.bias
            """;

    @Test
    void readsWeightsThroughTheRules() {
        OnnxNameMap map = OnnxNameMap.parse("two.onnx-map", MAP);
        assertEquals(3, map.rules().size());
        assertEquals(new OnnxNameMap.Rule(2, "layer.{n}.lin.weight", OnnxNameMap.From.NODE_INPUT,
                "/layer.{n}/lin/MatMul", 1, true), map.rules().get(0));
        try (MappedWeights w = map.apply(twoLayers())) {
            // [2, 3] stored [in, out]; the model reads [out, in] = [3, 2].
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, w.floats("layer.0.lin.weight", new int[] {3, 2}, Init.LINEAR));
            assertArrayEquals(new float[] {10, 40, 20, 50, 30, 60}, w.floats("layer.1.lin.weight", new int[] {3, 2}, Init.LINEAR));
            assertEquals("onnx::MatMul_9", w.source("layer.1.lin.weight"));
            // Names no rule matches are read as they are.
            assertArrayEquals(new float[] {2, 2, 2}, w.floats("layer.1.lin.bias", new int[] {3}, Init.BIAS));
            assertArrayEquals(new float[] {7, 8, 9}, w.floats("layer.5.scale", new int[] {3}, Init.NORM_SCALE));
            assertArrayEquals(new float[] {1, 1, 1}, w.floats("alias.0.0", new int[] {3}, Init.BIAS));
            assertTrue(w.contains("layer.0.lin.weight"));
            assertTrue(w.contains("layer.7.scale"));
            assertFalse(w.contains("layer.2.lin.weight"));
            assertFalse(w.contains("alias.0.1"));
            assertEquals("two.onnx (names by two.onnx-map)", w.description());
        }
    }

    @Test
    void namesListsWhatTheRulesMapAndTheRest() {
        try (MappedWeights w = OnnxNameMap.parse("two.onnx-map", MAP).apply(twoLayers())) {
            assertEquals(Set.of("layer.0.lin.weight", "layer.1.lin.weight", "alias.0.0", "alias.1.1", "onnx::MatMul_7",
                    "layer.0.lin.bias", "onnx::MatMul_9", "layer.1.lin.bias", "shared"), w.names());
        }
    }

    @Test
    void errorsNameTheTensorTheRuleAndTheFile() {
        try (MappedWeights w = OnnxNameMap.parse("two.onnx-map", MAP + """
                bad.{n}.weight <- input 1 of /layer.{n}/lin/MatMull
                odd.weight     <- input 1 of /odd/MatMul
                add.{n}        <- input 1 of /layer.{n}/lin/Add
                """).apply(twoLayers())) {
            assertEquals("layer.0.lin.weight (two.onnx-map:2: input 1 of /layer.0/lin/MatMul, transposed): expected [2, 3],"
                    + " found onnx::MatMul_7 stored as [2, 3] (read transposed, it must be stored as [3, 2]) in two.onnx",
                    message(() -> w.floats("layer.0.lin.weight", new int[] {2, 3}, Init.LINEAR)));
            assertEquals("layer.0.lin.weight (two.onnx-map:2: input 1 of /layer.0/lin/MatMul, transposed): only rank-2"
                    + " tensors can be transposed, but the model expects [6] in two.onnx",
                    message(() -> w.floats("layer.0.lin.weight", new int[] {6}, Init.LINEAR)));
            assertEquals("layer.4.lin.weight (two.onnx-map:2: input 1 of /layer.4/lin/MatMul, transposed): there is no node"
                    + " named /layer.4/lin/MatMul in two.onnx (did you mean \"/layer.0/lin/MatMul\"?)",
                    message(() -> w.floats("layer.4.lin.weight", new int[] {3, 2}, Init.LINEAR)));
            assertEquals("odd.weight (two.onnx-map:7: input 1 of /odd/MatMul): node /odd/MatMul (MatMul) has only 1 input"
                    + " in two.onnx", message(() -> w.floats("odd.weight", new int[] {3}, Init.LINEAR)));
            assertEquals("add.0 (two.onnx-map:8: input 1 of /layer.0/lin/Add): h is not a tensor in two.onnx (it is not"
                    + " an initializer or a Constant node's output)", message(() -> w.floats("add.0", new int[] {3}, Init.LINEAR)));
            assertEquals("alias.3.3 (two.onnx-map:5: tensor layer.3.lin.bias): layer.3.lin.bias is not a tensor in two.onnx"
                    + " (it is not an initializer or a Constant node's output)",
                    message(() -> w.floats("alias.3.3", new int[] {3}, Init.BIAS)));
            assertEquals("layer.9.lin.bias: not found in two.onnx (did you mean \"layer.0.lin.bias\"?)",
                    message(() -> w.floats("layer.9.lin.bias", new int[] {3}, Init.BIAS)));
        }
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(WeightException.class, e).getMessage();
    }

    @Test
    void malformedFilesFailWithTheLine() {
        assertEquals("m:1: expected TARGET <- tensor NAME [transposed] or TARGET <- input K of NODE [transposed], found: a b c",
                parseError("a b c"));
        assertEquals("m:2: expected TARGET <- tensor NAME [transposed] or TARGET <- input K of NODE [transposed], found: a <-"
                + " tensor", parseError("# comment\na <- tensor"));
        assertEquals("m:1: expected TARGET <- tensor NAME [transposed] or TARGET <- input K of NODE [transposed], found: a <-"
                + " input 1 from n", parseError("a <- input 1 from n"));
        assertEquals("m:1: the input index must be a number from 0, found one", parseError("a <- input one of n"));
        assertEquals("m:1: the input index must be a number from 0, found -1", parseError("a <- input -1 of n"));
        assertEquals("m:1: {m} in b.{m} is not in the target a.{n}, so it has no value", parseError("a.{n} <- tensor b.{m}"));
        assertEquals("m:1: placeholder {1x} in a.{1x}: a placeholder is a name of letters and digits, such as {layer}",
                parseError("a.{1x} <- tensor b"));
        assertEquals("m:1: unmatched { or } in a.{n", parseError("a.{n <- tensor b"));
        assertEquals("m:1: unclosed \" in: a <- tensor \"b c", parseError("a <- tensor \"b c"));
        assertEquals("m:2: target a.{m} is already mapped on line 1, so this rule would never apply",
                parseError("a.{n} <- tensor b\na.{m} <- tensor c"));
    }

    @Test
    void quotedNamesAndEmptyFiles() {
        OnnxNameMap map = OnnxNameMap.parse("m", "\"a b\" <- tensor \"c # d\" transposed\n\n   # only a comment\n");
        assertEquals(List.of(new OnnxNameMap.Rule(1, "a b", OnnxNameMap.From.TENSOR, "c # d", -1, true)), map.rules());
        assertEquals(List.of(), OnnxNameMap.parse("empty", "").rules());
    }

    private static String parseError(String text) {
        return assertThrows(WeightException.class, () -> OnnxNameMap.parse("m", text)).getMessage();
    }
}
