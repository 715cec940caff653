package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.OnnxBytes.floatData;
import static dev.attnc.runtime.weights.OnnxBytes.graph;
import static dev.attnc.runtime.weights.OnnxBytes.model;
import static dev.attnc.runtime.weights.OnnxBytes.node;
import static dev.attnc.runtime.weights.OnnxBytes.nodes;
import static dev.attnc.runtime.weights.OnnxBytes.raw;
import static dev.attnc.runtime.weights.OnnxBytes.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.kernels.Int8Matrix;
import dev.attnc.runtime.kernels.Kernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Dynamically quantized ONNX graphs built here, as ONNX Runtime's quantize_dynamic writes them:
 * {@code DynamicQuantizeLinear -> MatMulInteger(x, W, xz, Wz) -> Cast -> Mul(xs * Ws)} for a
 * linear layer, {@code Gather -> DequantizeLinear} for an embedding table. The values read are
 * checked against {@code scale * (q - zeroPoint)} computed here in float64 from the seeded
 * random bytes written into the file; broken patterns fail with messages naming the tensor.
 */
class OnnxQuantizedWeightsTest {
    private static final int INT8 = 3;
    private static final int UINT8 = 2;
    private static final int IN = 4;
    private static final int OUT = 3;

    private final SplittableRandom random = new SplittableRandom(5);
    private final byte[] weight = bytes(IN * OUT);
    private final byte[] weightZero = {3, -2, 0};
    private final float[] weightScale = {0.5f, 0.25f, 0.125f};
    private final byte[] table = bytes(5 * IN);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** The graph, with {@code quantizer} the op type of the node that feeds the MatMulInteger. */
    private byte[] file(String quantizer, float[] scales, int zeroType) {
        return model(graph(nodes(
                node("dq", quantizer, new String[] {"x"}, "xq", "xs", "xz"),
                node("scales_mul", "Mul", new String[] {"xs", "W_scale"}, "s"),
                node("/l/MatMul_quant", "MatMulInteger", new String[] {"xq", "W_q", "xz", "W_zp"}, "acc"),
                node("cast", "Cast", new String[] {"acc"}, "accf"),
                node("out_mul", "Mul", new String[] {"accf", "s"}, "y"),
                node("g", "Gather", new String[] {"E_q", "ids"}, "gq"),
                node("deq", "DequantizeLinear", new String[] {"gq", "E_scale", "E_zp"}, "e")),
                raw("W_q", INT8, shape(IN, OUT), weight),
                floatData("W_scale", shape(scales.length), scales),
                raw("W_zp", zeroType, shape(OUT), weightZero),
                floatData("bias", shape(OUT), 1, 2, 3),
                raw("E_q", UINT8, shape(5, IN), table),
                floatData("E_scale", shape(), 0.01f),
                raw("E_zp", UINT8, shape(), new byte[] {(byte) 130})));
    }

    private static final String MAP = """
            lin.weight <- input 1 of /l/MatMul_quant transposed
            emb.weight <- tensor E_q
            """;

    private OnnxQuantizedWeights open(byte[] file, String map) {
        return OnnxQuantizedWeights.read(file, "q.onnx", OnnxNameMap.parse("q.onnx-map", map));
    }

    private OnnxQuantizedWeights good() {
        return open(file("DynamicQuantizeLinear", weightScale, INT8), MAP);
    }

    @Test
    void matMulIntegerWeightsStayInt8AsStoredTransposed() {
        try (OnnxQuantizedWeights w = good()) {
            Int8Matrix m = w.int8("lin.weight", new int[] {OUT, IN}).orElseThrow();
            float[] values = m.dequantize();
            for (int o = 0; o < OUT; o++) {
                for (int i = 0; i < IN; i++) {
                    double expected = weightScale[o] * ((double) weight[i * OUT + o] - weightZero[o]);
                    assertEquals(expected, values[o * IN + i], 0, "[" + o + ", " + i + "]");
                }
            }
            assertTrue(Kernels.matrix(w, "lin.weight", new int[] {OUT, IN}, Init.LINEAR) instanceof Int8Matrix);
            // Read as float (a backend without an int8 kernel): the same values.
            float[] floats = w.floats("lin.weight", new int[] {OUT, IN}, Init.LINEAR);
            for (int k = 0; k < floats.length; k++) {
                assertEquals(values[k], floats[k], 0);
            }
        }
    }

    @Test
    void gatheredTablesAreDequantized() {
        try (OnnxQuantizedWeights w = good()) {
            float[] e = w.floats("emb.weight", new int[] {5, IN}, Init.EMBEDDING);
            for (int k = 0; k < e.length; k++) {
                assertEquals(0.01 * ((table[k] & 0xFF) - 130), e[k], 1e-7, "at " + k);
            }
            assertTrue(w.int8("emb.weight", new int[] {5, IN}).isEmpty(), "a table is not a linear weight");
        }
    }

    @Test
    void floatTensorsAreReadAsUsual() {
        try (OnnxQuantizedWeights w = good()) {
            assertEquals(3f, w.floats("bias", new int[] {OUT}, Init.BIAS)[2]);
            assertTrue(w.int8("bias", new int[] {OUT}).isEmpty());
            assertTrue(w.contains("lin.weight") && w.contains("emb.weight") && w.contains("bias"));
        }
    }

    @Test
    void aPerTensorScaleAppliesToEveryRow() {
        try (OnnxQuantizedWeights w = open(file("DynamicQuantizeLinear", new float[] {0.5f}, INT8), MAP)) {
            Int8Matrix m = w.int8("lin.weight", new int[] {OUT, IN}).orElseThrow();
            for (float s : m.scales()) {
                assertEquals(0.5f, s);
            }
        }
    }

    @Test
    void brokenPatternsAreNamed() {
        try (OnnxQuantizedWeights w = open(file("QuantizeLinear", weightScale, INT8), MAP)) {
            WeightException e = assertThrows(WeightException.class, () -> w.int8("lin.weight", new int[] {OUT, IN}));
            assertEquals("lin.weight (W_q, the weight of MatMulInteger /l/MatMul_quant): its input comes from"
                    + " QuantizeLinear dq, not from DynamicQuantizeLinear; attnc runs only dynamically quantized"
                    + " MatMuls, in q.onnx", e.getMessage());
        }
        try (OnnxQuantizedWeights w = open(file("DynamicQuantizeLinear", new float[] {1, 2}, INT8), MAP)) {
            WeightException e = assertThrows(WeightException.class, () -> w.int8("lin.weight", new int[] {OUT, IN}));
            assertTrue(e.getMessage().contains("its scale has 2 values; expected 1 (per tensor) or 3 (per output column)"),
                    e.getMessage());
        }
        try (OnnxQuantizedWeights w = open(file("DynamicQuantizeLinear", weightScale, UINT8), MAP)) {
            WeightException e = assertThrows(WeightException.class, () -> w.int8("lin.weight", new int[] {OUT, IN}));
            assertTrue(e.getMessage().contains("zero point W_zp is UINT8 but the weight is INT8"), e.getMessage());
        }
        try (OnnxQuantizedWeights w = open(file("DynamicQuantizeLinear", weightScale, INT8),
                "lin.weight <- input 1 of /l/MatMul_quant\n")) {
            WeightException e = assertThrows(WeightException.class, () -> w.int8("lin.weight", new int[] {OUT, IN}));
            assertTrue(e.getMessage().contains("must read it transposed"), e.getMessage());
        }
        try (OnnxQuantizedWeights w = good()) {
            WeightException e = assertThrows(WeightException.class, () -> w.int8("lin.weight", new int[] {IN, OUT}));
            assertEquals("lin.weight (W_q, the weight of MatMulInteger /l/MatMul_quant): expected [4, 3], found it"
                    + " stored as [4, 3] (read transposed, it must be stored as [3, 4]), in q.onnx", e.getMessage());
            WeightException table = assertThrows(WeightException.class,
                    () -> w.floats("emb.weight", new int[] {4, IN}, Init.EMBEDDING));
            assertEquals("emb.weight (E_q): expected [4, 4], found [5, 4], in q.onnx", table.getMessage());
        }
    }
}
