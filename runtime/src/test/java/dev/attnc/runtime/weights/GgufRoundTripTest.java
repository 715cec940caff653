package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.GgufBytes.ARRAY;
import static dev.attnc.runtime.weights.GgufBytes.BOOL;
import static dev.attnc.runtime.weights.GgufBytes.FLOAT32;
import static dev.attnc.runtime.weights.GgufBytes.FLOAT64;
import static dev.attnc.runtime.weights.GgufBytes.INT16;
import static dev.attnc.runtime.weights.GgufBytes.INT32;
import static dev.attnc.runtime.weights.GgufBytes.INT64;
import static dev.attnc.runtime.weights.GgufBytes.INT8;
import static dev.attnc.runtime.weights.GgufBytes.STRING;
import static dev.attnc.runtime.weights.GgufBytes.UINT16;
import static dev.attnc.runtime.weights.GgufBytes.UINT32;
import static dev.attnc.runtime.weights.GgufBytes.UINT64;
import static dev.attnc.runtime.weights.GgufBytes.UINT8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.weights.GgufBytes.Arr;
import dev.attnc.runtime.weights.GgufBytes.Meta;
import dev.attnc.runtime.weights.GgufBytes.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files written by a test writer in GGUF v1, v2 and v3 read back: every metadata type, alignment, shapes, values. */
class GgufRoundTripTest {

    @TempDir
    Path dir;

    private static List<Meta> everyType(long alignment) {
        List<Meta> m = new ArrayList<>(List.of(
                new Meta("general.architecture", STRING, "llama"),
                new Meta("t.uint8", UINT8, 200),
                new Meta("t.int8", INT8, -5),
                new Meta("t.uint16", UINT16, 60000),
                new Meta("t.int16", INT16, -300),
                new Meta("t.uint32", UINT32, 4_000_000_000L),
                new Meta("t.int32", INT32, -7),
                new Meta("t.float32", FLOAT32, 1.5f),
                new Meta("t.bool", BOOL, true),
                new Meta("t.string", STRING, "h\u00e9llo \u2713 \ud83d\ude00"),
                new Meta("t.uint64", UINT64, 1L << 40),
                new Meta("t.int64", INT64, -(1L << 40)),
                new Meta("t.float64", FLOAT64, 0.1),
                new Meta("t.empty", STRING, ""),
                new Meta("t.bytes", ARRAY, new Arr(UINT8, List.of(0, 255, 7))),
                new Meta("t.u32s", ARRAY, new Arr(UINT32, List.of(4_000_000_000L, 1L))),
                new Meta("t.floats", ARRAY, new Arr(FLOAT32, List.of(0.25f, -2f))),
                new Meta("t.doubles", ARRAY, new Arr(FLOAT64, List.of(1e300))),
                new Meta("t.bools", ARRAY, new Arr(BOOL, List.of(false, true))),
                new Meta("t.i64s", ARRAY, new Arr(INT64, List.of(-1L, Long.MAX_VALUE))),
                new Meta("t.strings", ARRAY, new Arr(STRING, List.of("<s>", "", "\u2581the"))),
                new Meta("t.nested", ARRAY, new Arr(ARRAY, List.of(
                        new Arr(INT32, List.of(1, -2)), new Arr(INT16, List.of()),
                        new Arr(ARRAY, List.of(new Arr(STRING, List.of("deep"))))))),
                new Meta("t.empty_array", ARRAY, new Arr(FLOAT32, List.of()))));
        if (alignment != 32) {
            m.add(new Meta("general.alignment", UINT32, alignment));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void everyMetadataTypeAndTensorReadsBack(int version) throws Exception {
        long alignment = version == 2 ? 64 : 32;
        Random random = new Random(41 + version);
        float[] w = new float[6 * 5];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        float[] norm = {0.5f, -1.25f, 3};
        byte[] bytes = GgufBytes.file(version, everyType(alignment), List.of(
                new Tensor("blk.0.attn_q.weight", new long[] {5, 6}, 0, GgufBytes.f32(w)),
                new Tensor("blk.0.attn_norm.weight", new long[] {3}, 0, GgufBytes.f32(norm))), alignment);
        Path file = GgufBytes.write(dir, "model.gguf", bytes);
        List<String> notes = new ArrayList<>();
        try (GgufFile g = GgufFile.open(file, notes::add)) {
            assertEquals(version, g.version());
            assertEquals(alignment, g.alignment());
            assertEquals(List.of("blk.0.attn_q.weight", "blk.0.attn_norm.weight"), List.copyOf(g.names()));
            // GGUF ne = [in 5, out 6] fastest first is attnc's [6, 5]: row-major [out][in].
            assertArrayEquals(new int[] {6, 5}, g.shape("blk.0.attn_q.weight"));
            assertArrayEquals(w, g.floats("blk.0.attn_q.weight", new int[] {6, 5}, Init.TENSOR));
            assertArrayEquals(norm, g.floats("blk.0.attn_norm.weight", new int[] {3}, Init.TENSOR));
            assertEquals(Optional.empty(), g.quantized("blk.0.attn_q.weight", new int[] {6, 5}));
            assertEquals(GgufType.F32, g.type("blk.0.attn_norm.weight"));

            CheckpointMetadata m = g.checkpointMetadata();
            assertEquals("model.gguf", m.description());
            assertEquals("llama", m.value("general.architecture").orElseThrow());
            assertEquals(200L, m.value("t.uint8").orElseThrow());
            assertEquals(-5L, m.value("t.int8").orElseThrow());
            assertEquals(60000L, m.value("t.uint16").orElseThrow());
            assertEquals(-300L, m.value("t.int16").orElseThrow());
            assertEquals(4_000_000_000L, m.value("t.uint32").orElseThrow());
            assertEquals(-7L, m.value("t.int32").orElseThrow());
            assertEquals(1.5, m.value("t.float32").orElseThrow());
            assertEquals(true, m.value("t.bool").orElseThrow());
            assertEquals("h\u00e9llo \u2713 \ud83d\ude00", m.value("t.string").orElseThrow());
            assertEquals(1L << 40, m.value("t.uint64").orElseThrow());
            assertEquals(-(1L << 40), m.value("t.int64").orElseThrow());
            assertEquals(0.1, m.value("t.float64").orElseThrow());
            assertEquals("", m.value("t.empty").orElseThrow());
            assertEquals(List.of(0L, 255L, 7L), m.value("t.bytes").orElseThrow());
            assertEquals(List.of(4_000_000_000L, 1L), m.value("t.u32s").orElseThrow());
            assertEquals(List.of(0.25, -2.0), m.value("t.floats").orElseThrow());
            assertEquals(List.of(1e300), m.value("t.doubles").orElseThrow());
            assertEquals(List.of(false, true), m.value("t.bools").orElseThrow());
            assertEquals(List.of(-1L, Long.MAX_VALUE), m.value("t.i64s").orElseThrow());
            assertEquals(List.of("<s>", "", "\u2581the"), m.value("t.strings").orElseThrow());
            assertEquals(List.of(List.of(1L, -2L), List.of(), List.of(List.of("deep"))), m.value("t.nested").orElseThrow());
            assertEquals(List.of(), m.value("t.empty_array").orElseThrow());
            assertEquals(Optional.empty(), m.value("t.missing"));
            assertEquals(everyType(alignment).size(), m.keys().size());
            assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) m.value("t.bytes").orElseThrow()).add(1L));

            WeightException wrong = assertThrows(WeightException.class,
                    () -> g.floats("blk.0.attn_q.weight", new int[] {5, 6}, Init.TENSOR));
            assertEquals("blk.0.attn_q.weight: expected [5, 6], found [6, 5] (stored as GGUF ne=[5, 6], fastest first)"
                    + " in model.gguf", wrong.getMessage());
            WeightException missing = assertThrows(WeightException.class,
                    () -> g.floats("blk.0.attn_k.weight", new int[] {6, 5}, Init.TENSOR));
            assertEquals("blk.0.attn_k.weight: not found in model.gguf (did you mean \"blk.0.attn_q.weight\"?)",
                    missing.getMessage());
            assertTrue(g.contains("blk.0.attn_norm.weight"));
            assertFalse(g.contains("blk.0.attn_k.weight"));
        }
        assertEquals(List.of(), notes, "F32 tensors are read as they are, without a note");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void tensorsPlacedAtTheAlignmentTheFileStates(int version) throws Exception {
        // Alignment 256: the second tensor sits at offset 256, with padding in between; the data start is padded too.
        byte[] bytes = GgufBytes.file(version, List.of(new Meta("general.alignment", UINT32, 256)), List.of(
                new Tensor("a", new long[] {3}, 0, GgufBytes.f32(1, 2, 3)),
                new Tensor("b", new long[] {2}, 0, GgufBytes.f32(4, 5))), 256);
        try (GgufFile g = GgufFile.open(GgufBytes.write(dir, "aligned.gguf", bytes))) {
            assertEquals(256, g.alignment());
            assertArrayEquals(new float[] {4, 5}, g.floats("b", new int[] {2}, Init.TENSOR));
            assertArrayEquals(new float[] {1, 2, 3}, g.floats("a", new int[] {3}, Init.TENSOR));
        }
    }
}
