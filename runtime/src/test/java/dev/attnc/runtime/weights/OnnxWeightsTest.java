package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.OnnxBytes.constant;
import static dev.attnc.runtime.weights.OnnxBytes.f32;
import static dev.attnc.runtime.weights.OnnxBytes.f64;
import static dev.attnc.runtime.weights.OnnxBytes.floatData;
import static dev.attnc.runtime.weights.OnnxBytes.graph;
import static dev.attnc.runtime.weights.OnnxBytes.i64;
import static dev.attnc.runtime.weights.OnnxBytes.int32Data;
import static dev.attnc.runtime.weights.OnnxBytes.io;
import static dev.attnc.runtime.weights.OnnxBytes.model;
import static dev.attnc.runtime.weights.OnnxBytes.node;
import static dev.attnc.runtime.weights.OnnxBytes.nodes;
import static dev.attnc.runtime.weights.OnnxBytes.raw;
import static dev.attnc.runtime.weights.OnnxBytes.shape;
import static dev.attnc.runtime.weights.OnnxBytes.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX models built field by field: what OnnxWeights reads, and the message of each broken file. */
class OnnxWeightsTest {
    static final String FILE = "model.onnx";

    @TempDir
    Path dir;

    /** A linear layer as PyTorch exports it, plus one tensor of each readable kind. */
    static byte[] linear() {
        return model(graph(
                nodes(node("/lin/MatMul", "MatMul", new String[] {"x", "onnx::MatMul_1"}, "/lin/MatMul_output_0"),
                        node("/lin/Add", "Add", new String[] {"lin.bias", "/lin/MatMul_output_0"}, "y"),
                        constant("/c/Constant", "/c/Constant_output_0", raw("", 1, shape(), f32(2.5f)))),
                raw("onnx::MatMul_1", 1, shape(2, 3), f32(1, 2, 3, 4, 5, 6)),
                raw("lin.bias", 1, shape(3), f32(0.5f, -0.5f, 0)),
                raw("half", 10, shape(2), u16(0x3C00, 0xC000)),
                int32Data("brain", 16, shape(2), 0x3F80, 0x4040),
                raw("dbl", 11, shape(2), f64(0.25, -8)),
                floatData("typed", shape(2, 2), 1, 2, 3, 4),
                raw("shape", 7, shape(2), i64(1, 384)),
                raw("empty", 1, shape(0, 4), new byte[0])));
    }

    private OnnxWeights open(byte[] bytes) throws IOException {
        Path file = dir.resolve(FILE);
        Files.write(file, bytes);
        return OnnxWeights.open(file);
    }

    private String fails(byte[] bytes) {
        return assertThrows(WeightException.class, () -> open(bytes).close()).getMessage();
    }

    @Test
    void readsTensorsOfEveryFloatKind() throws IOException {
        try (OnnxWeights w = open(linear())) {
            assertEquals(8, w.irVersion());
            assertEquals("test", w.producer());
            assertEquals(Map.of("ai.onnx", 17L), w.opsets());
            assertEquals(List.of("onnx::MatMul_1", "lin.bias", "half", "brain", "dbl", "typed", "shape", "empty",
                    "/c/Constant_output_0"), List.copyOf(w.names()));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.floats("onnx::MatMul_1", new int[] {2, 3}, Init.LINEAR));
            assertArrayEquals(new float[] {0.5f, -0.5f, 0}, w.floats("lin.bias", new int[] {3}, Init.BIAS));
            assertArrayEquals(new float[] {1, -2}, w.floats("half", new int[] {2}, Init.TENSOR));
            assertArrayEquals(new float[] {1, 3}, w.floats("brain", new int[] {2}, Init.TENSOR));
            assertArrayEquals(new float[] {0.25f, -8}, w.floats("dbl", new int[] {2}, Init.TENSOR));
            assertArrayEquals(new float[] {1, 2, 3, 4}, w.floats("typed", new int[] {2, 2}, Init.TENSOR));
            assertArrayEquals(new float[] {2.5f}, w.floats("/c/Constant_output_0", new int[] {}, Init.TENSOR));
            assertArrayEquals(new float[0], w.floats("empty", new int[] {0, 4}, Init.TENSOR));
            assertArrayEquals(new int[] {2}, w.shape("shape"));
            assertEquals("INT64", w.dataType("shape"));
            assertEquals("FLOAT16", w.dataType("half"));
            assertTrue(w.contains("lin.bias"));
            assertFalse(w.contains("x"));
            assertEquals(FILE, w.description());
        }
    }

    @Test
    void readsTheGraphsNodes() throws IOException {
        try (OnnxWeights w = open(linear())) {
            assertEquals(3, w.nodes().size());
            OnnxWeights.Node matmul = w.node("/lin/MatMul").orElseThrow();
            assertEquals("MatMul", matmul.opType());
            assertEquals("", matmul.domain());
            assertEquals(List.of("x", "onnx::MatMul_1"), matmul.inputs());
            assertEquals(List.of("/lin/MatMul_output_0"), matmul.outputs());
            assertEquals(List.of(matmul), w.consumers("onnx::MatMul_1"));
            assertEquals(List.of("/lin/Add"), w.consumers("lin.bias").stream().map(OnnxWeights.Node::name).toList());
            assertEquals(List.of(), w.consumers("nothing"));
            assertTrue(w.node("/nope").isEmpty());
            assertEquals(List.of("x"), w.graphInputs());
            assertEquals(List.of("y"), w.graphOutputs());
        }
    }

    @Test
    void readsFromMemoryAsFromAFile() throws IOException {
        try (OnnxWeights w = OnnxWeights.read(linear(), "in-memory.onnx");
                OnnxWeights f = open(linear())) {
            assertEquals(f.names(), w.names());
            assertArrayEquals(f.floats("onnx::MatMul_1", new int[] {2, 3}, Init.LINEAR),
                    w.floats("onnx::MatMul_1", new int[] {2, 3}, Init.LINEAR));
            WeightException e = assertThrows(WeightException.class, () -> w.floats("nope", new int[] {1}, Init.TENSOR));
            assertEquals("nope: not found in in-memory.onnx", e.getMessage());
        }
    }

    @Test
    void readErrorsNameTheTensorAndTheFile() throws IOException {
        try (OnnxWeights w = open(linear())) {
            assertEquals("onnx::MatMul_1: expected [3, 2], found [2, 3] in model.onnx",
                    assertThrows(WeightException.class, () -> w.floats("onnx::MatMul_1", new int[] {3, 2}, Init.LINEAR)).getMessage());
            assertEquals("lin.bais: not found in model.onnx (did you mean \"lin.bias\"?)",
                    assertThrows(WeightException.class, () -> w.floats("lin.bais", new int[] {3}, Init.BIAS)).getMessage());
            assertEquals("shape: data type INT64 cannot be read as float32 in model.onnx (supported: FLOAT, FLOAT16,"
                    + " BFLOAT16, DOUBLE)",
                    assertThrows(WeightException.class, () -> w.floats("shape", new int[] {2}, Init.TENSOR)).getMessage());
            assertEquals("nope: not found in model.onnx",
                    assertThrows(WeightException.class, () -> w.shape("nope")).getMessage());
        }
    }

    @Test
    void closedModelsCannotBeRead() throws IOException {
        OnnxWeights w = open(linear());
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.floats("lin.bias", new int[] {3}, Init.BIAS));
        assertArrayEquals(new int[] {3}, w.shape("lin.bias"));
    }

    @Test
    void externalAndSparseDataAreReportedWhenRead() throws IOException {
        byte[] external = OnnxBytes.tensor(o -> {
            OnnxBytes.dims(o, 2);
            io(() -> o.writeInt32(2, 1));
            io(() -> o.writeString(8, "big"));
            io(() -> o.writeByteArray(13, OnnxBytes.message(e -> {
                io(() -> e.writeString(1, "location"));
                io(() -> e.writeString(2, "weights.bin"));
            })));
            io(() -> o.writeInt32(14, 1));
        });
        byte[] sparse = OnnxBytes.message(s -> {
            io(() -> s.writeByteArray(1, raw("sp", 1, shape(1), f32(1))));
            io(() -> s.writeByteArray(2, raw("sp_i", 7, shape(1), i64(0))));
            io(() -> s.writeInt64(3, 4));
        });
        byte[] graph = OnnxBytes.message(g -> {
            io(() -> g.writeByteArray(5, external));
            io(() -> g.writeByteArray(15, sparse));
        });
        try (OnnxWeights w = open(model(graph))) {
            assertEquals(List.of("big", "sp"), List.copyOf(w.names()));
            assertEquals("big: stored as external data (in \"weights.bin\"), which attnc does not read, in model.onnx",
                    assertThrows(WeightException.class, () -> w.floats("big", new int[] {2}, Init.TENSOR)).getMessage());
            assertEquals("sp: a sparse initializer, which attnc does not read, in model.onnx",
                    assertThrows(WeightException.class, () -> w.floats("sp", new int[] {4}, Init.TENSOR)).getMessage());
        }
    }

    /** One broken file per line: what is wrong, and the message it must fail with at open. */
    @Test
    void brokenFilesFailAtOpen() {
        byte[] good = linear();
        assertEquals("model.onnx: not an ONNX model: it has no graph (the file is empty); an ONNX model is a protobuf"
                + " ModelProto with a graph", fails(new byte[0]));
        assertEquals("model.onnx: not an ONNX model: it has no graph; an ONNX model is a protobuf ModelProto with a graph",
                fails(OnnxBytes.message(o -> io(() -> o.writeInt64(1, 8)))));
        assertEquals("model.onnx: not a valid ONNX model: it ends early, inside a message or field (is the file"
                + " truncated? it has 200 bytes)", fails(Arrays.copyOf(good, 200)));
        String text = fails("{\"just\": \"json\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(text.startsWith("model.onnx: not a valid ONNX model: "), text);
        assertEquals("w: raw_data has 8 bytes, but FLOAT [3] needs 12 in model.onnx",
                fails(model(graph(nodes(), raw("w", 1, shape(3), f32(1, 2))))));
        assertEquals("w: float_data has 3 values, but FLOAT [2, 2] needs 4 in model.onnx",
                fails(model(graph(nodes(), floatData("w", shape(2, 2), 1, 2, 3)))));
        assertEquals("w: unknown data type 99 in model.onnx", fails(model(graph(nodes(), raw("w", 99, shape(1), f32(1))))));
        assertEquals("w: unknown data type 0 in model.onnx", fails(model(graph(nodes(), raw("w", 0, shape(1), f32(1))))));
        assertEquals("w: has a negative dim in [2, -1] in model.onnx",
                fails(model(graph(nodes(), raw("w", 1, shape(2, -1), f32(1))))));
        assertEquals("w: two initializers have this name in model.onnx",
                fails(model(graph(nodes(), raw("w", 1, shape(1), f32(1)), raw("w", 1, shape(1), f32(2))))));
        assertEquals("initializer #1: has no name in model.onnx",
                fails(model(graph(nodes(), raw("w", 1, shape(1), f32(1)), raw("", 1, shape(1), f32(2))))));
        assertEquals("w: has no data (neither raw_data nor a typed field such as float_data) in model.onnx",
                fails(model(graph(nodes(), OnnxBytes.tensor(o -> {
                    OnnxBytes.dims(o, 2);
                    io(() -> o.writeInt32(2, 1));
                    io(() -> o.writeString(8, "w"));
                })))));
        assertEquals("w: has both raw_data and float_data in model.onnx",
                fails(model(graph(nodes(), OnnxBytes.tensor(o -> {
                    OnnxBytes.dims(o, 1);
                    io(() -> o.writeInt32(2, 1));
                    io(() -> o.writeFloat(4, 1));
                    io(() -> o.writeString(8, "w"));
                    io(() -> o.writeByteArray(9, f32(1)));
                })))));
        assertEquals("w: is FLOAT with its values in int32_data; ONNX keeps FLOAT values in float_data in model.onnx",
                fails(model(graph(nodes(), int32Data("w", 1, shape(1), 7)))));
        assertEquals("w: cannot be read: field data_type has wire type 2, expected 0 (at byte 25 of 41) in model.onnx",
                fails(model(graph(nodes(), OnnxBytes.tensor(o -> {
                    OnnxBytes.dims(o, 1);
                    io(() -> o.writeString(8, "w"));
                    io(() -> o.writeString(2, "FLOAT"));
                })))));
    }

    @Test
    void fileErrors() throws IOException {
        assertEquals("nope.onnx: file not found (" + dir.resolve("nope.onnx").toAbsolutePath() + ")",
                assertThrows(WeightException.class, () -> OnnxWeights.open(dir.resolve("nope.onnx"))).getMessage());
        assertTrue(assertThrows(WeightException.class, () -> OnnxWeights.open(dir)).getMessage()
                .endsWith("is a directory, not an ONNX model (" + dir.toAbsolutePath() + ")"));
    }
}
