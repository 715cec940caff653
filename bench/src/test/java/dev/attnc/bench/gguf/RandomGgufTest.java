package dev.attnc.bench.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's files, read back with a minimal GGUF parser written here from the format's
 * definition (not the generator's writer): header, metadata, tensor infos, offsets, alignment,
 * and the stored values against the random values they encode.
 */
class RandomGgufTest {
    static final RandomGguf.Shape SHAPE = RandomGguf.Shape.STORIES;
    static final long SEED = 7;

    @TempDir
    Path folder;

    @Test
    void q8FileHasTheLlamaLayoutAndItsBlocksDecodeToTheValuesWithinRounding() throws IOException {
        Parsed file = writeAndParse(GgufType.Q8_0);
        checkLayout(file, 8);
        List<RandomGguf.Tensor> tensors = RandomGguf.tensors(SHAPE);
        for (int index = 0; index < tensors.size(); index++) {
            RandomGguf.Tensor tensor = tensors.get(index);
            float[] expected = drawn(index, tensor);
            ByteBuffer data = file.data(tensor.name());
            if (!tensor.matrix()) {
                for (float value : expected) {
                    assertEquals(value, data.getFloat(), 0, tensor.name() + " is stored as F32 exactly");
                }
                continue;
            }
            // Blocks of 32 over the flattened tensor (ffn_down's rows of 172 straddle them).
            for (int block = 0; block < expected.length / 32; block++) {
                double largest = 0;
                for (int i = 0; i < 32; i++) {
                    largest = Math.max(largest, Math.abs(expected[block * 32 + i]));
                }
                double scale = largest / 127;
                double stored = Float.float16ToFloat(data.getShort());
                // The scale itself is rounded to f16: relative error at most 2^-11.
                assertEquals(scale, stored, scale * (0x1p-11 + 0x1p-20) + 1e-12, tensor.name() + " block " + block + " scale");
                for (int i = 0; i < 32; i++) {
                    double value = expected[block * 32 + i];
                    int q = data.get();
                    // Half a step of the exact scale (float32 arithmetic may move a value sitting on a
                    // half step by 1e-4 of a step), plus the scale's own f16 error times |q| <= 127.
                    double tolerance = scale * (0.5 + 1e-4) + 127 * Math.abs(scale - stored);
                    assertEquals(value, stored * q, tolerance, tensor.name() + " value " + (block * 32 + i));
                }
            }
            assertFalse(data.hasRemaining(), tensor.name() + " has bytes left over");
        }
    }

    @Test
    void f16FileHoldsTheValuesRoundedToHalfPrecision() throws IOException {
        Parsed file = writeAndParse(GgufType.F16);
        checkLayout(file, 1);
        List<RandomGguf.Tensor> tensors = RandomGguf.tensors(SHAPE);
        for (int index = 0; index < tensors.size(); index++) {
            RandomGguf.Tensor tensor = tensors.get(index);
            float[] expected = drawn(index, tensor);
            ByteBuffer data = file.data(tensor.name());
            for (int i = 0; i < expected.length; i++) {
                double stored = tensor.matrix() ? Float.float16ToFloat(data.getShort()) : data.getFloat();
                // f16 keeps 11 significant bits: relative error at most 2^-11 (normal range; the
                // values are N(0, 0.02), subnormal below 6e-5, where the step is 2^-24).
                double tolerance = tensor.matrix() ? Math.max(Math.abs(expected[i]) * 0x1p-11, 0x1p-25) : 0;
                assertEquals(expected[i], stored, tolerance, tensor.name() + " value " + i);
            }
        }
    }

    @Test
    void valuesAreNormalWithTheStatedSpread() {
        RandomGguf.Tensor q = RandomGguf.tensors(SHAPE).get(2);
        assertEquals("blk.0.attn_q.weight", q.name());
        float[] values = drawn(2, q);
        double sum = 0;
        double squares = 0;
        for (float value : values) {
            sum += value;
            squares += value * (double) value;
        }
        double mean = sum / values.length;
        double std = Math.sqrt(squares / values.length - mean * mean);
        // 4096 samples: the mean's standard error is 0.02 / 64 = 3e-4, the std's about 2.2e-4.
        assertEquals(0, mean, 0.0015);
        assertEquals(0.02, std, 0.0012);
    }

    @Test
    void usageErrorsExitWithStatus2AndWriteNothing() {
        Path out = folder.resolve("x.gguf");
        for (String[] args : List.of(
                new String[] {out.toString(), "--shape", "gpt9", "--type", "f16"},
                new String[] {out.toString(), "--shape", "stories", "--type", "q4_k"},
                new String[] {out.toString(), "--shape", "stories"},
                new String[] {out.toString(), "--shape", "stories", "--type", "f16", "--seed", "x"},
                new String[] {folder.resolve("x.bin").toString(), "--shape", "stories", "--type", "f16"},
                new String[] {folder.resolve("none/x.gguf").toString(), "--shape", "stories", "--type", "f16"})) {
            try {
                RandomGguf.run(args);
                throw new AssertionError("accepted " + String.join(" ", args));
            } catch (RandomGguf.UsageException expected) {
                assertFalse(expected.getMessage().isBlank());
            }
        }
        assertFalse(Files.exists(out));
    }

    private Parsed writeAndParse(GgufType type) throws IOException {
        Path out = folder.resolve("stories-" + type + ".gguf");
        assertEquals(0, RandomGguf.run(new String[] {out.toString(), "--shape", "stories", "--type",
                type.name().toLowerCase(), "--seed", Long.toString(SEED)}));
        assertFalse(Files.exists(folder.resolve(out.getFileName() + ".part")), "the partial file is renamed");
        return Parsed.read(Files.readAllBytes(out));
    }

    /** The generator's random stream for one tensor, drawn whole (the writer draws it in chunks). */
    private static float[] drawn(int index, RandomGguf.Tensor tensor) {
        float[] values = new float[Math.toIntExact(tensor.elements())];
        RandomGguf.values(SEED, index, tensor.matrix()).next(values, values.length);
        return values;
    }

    private static void checkLayout(Parsed file, int matrixTypeId) {
        assertEquals(3, file.version);
        Map<String, Object> m = file.metadata;
        assertEquals("llama", m.get("general.architecture"));
        assertEquals(32L, m.get("general.alignment"));
        assertEquals(64L, m.get("llama.embedding_length"));
        assertEquals(5L, m.get("llama.block_count"));
        assertEquals(8L, m.get("llama.attention.head_count"));
        assertEquals(4L, m.get("llama.attention.head_count_kv"));
        assertEquals(172L, m.get("llama.feed_forward_length"));
        assertEquals(512L, m.get("llama.context_length"));
        assertEquals(8L, m.get("llama.rope.dimension_count"));
        assertEquals(10000.0, (Double) m.get("llama.rope.freq_base"), 0);
        assertEquals(1e-5, (Double) m.get("llama.attention.layer_norm_rms_epsilon"), 1e-12);
        assertEquals("llama", m.get("tokenizer.ggml.model"));
        assertEquals(1L, m.get("tokenizer.ggml.bos_token_id"));
        assertEquals(2L, m.get("tokenizer.ggml.eos_token_id"));
        List<?> tokens = (List<?>) m.get("tokenizer.ggml.tokens");
        List<?> scores = (List<?>) m.get("tokenizer.ggml.scores");
        List<?> types = (List<?>) m.get("tokenizer.ggml.token_type");
        assertEquals(512, tokens.size());
        assertEquals(512, scores.size());
        assertEquals(512, types.size());
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.subList(0, 4));
        assertEquals("<0x0A>", tokens.get(3 + 10));
        assertEquals("<0xFF>", tokens.get(258));
        assertEquals(List.of(2L, 3L, 3L, 6L), types.subList(0, 4));
        assertEquals(6L, types.get(258));
        assertEquals(1L, types.get(259));
        assertEquals(512, tokens.stream().distinct().count(), "pieces are unique");
        for (int id = 260; id < 512; id++) {
            assertTrue((Double) scores.get(id) < (Double) scores.get(id - 1), "scores fall with the id");
        }

        List<String> expectedNames = new ArrayList<>(List.of("token_embd.weight"));
        for (int layer = 0; layer < 5; layer++) {
            for (String part : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
                    "ffn_up", "ffn_down")) {
                expectedNames.add("blk." + layer + "." + part + ".weight");
            }
        }
        expectedNames.add("output_norm.weight");
        expectedNames.add("output.weight");
        assertEquals(expectedNames, new ArrayList<>(file.tensors.keySet()));

        Map<String, long[]> dims = Map.of("token_embd", new long[] {64, 512}, "attn_norm", new long[] {64},
                "attn_q", new long[] {64, 64}, "attn_k", new long[] {64, 32}, "attn_v", new long[] {64, 32},
                "attn_output", new long[] {64, 64}, "ffn_gate", new long[] {64, 172}, "ffn_up", new long[] {64, 172},
                "ffn_down", new long[] {172, 64}, "output", new long[] {64, 512});
        long end = 0;
        for (TensorInfo info : file.tensors.values()) {
            String part = info.name.replaceFirst("^blk\\.\\d+\\.", "").replace(".weight", "");
            boolean norm = part.endsWith("norm");
            assertArrayEquals(norm ? new long[] {64} : dims.get(part), info.dims, info.name + " dims");
            assertEquals(norm ? 0 : matrixTypeId, info.type, info.name + " type");
            assertEquals(0, info.offset % 32, info.name + " offset is aligned");
            assertTrue(info.offset >= end, info.name + " does not overlap the tensor before it");
            end = info.offset + info.bytes();
        }
        assertEquals(0, file.dataStart % 32, "data starts aligned");
        assertEquals(file.bytes.length, file.dataStart + end, "the file ends after the last tensor");
    }

    record TensorInfo(String name, long[] dims, int type, long offset) {
        long elements() {
            long n = 1;
            for (long dim : dims) {
                n *= dim;
            }
            return n;
        }

        long bytes() {
            return switch (type) {
                case 0 -> 4 * elements();
                case 1 -> 2 * elements();
                case 8 -> elements() / 32 * 34;
                default -> throw new AssertionError(name + ": unexpected type " + type);
            };
        }
    }

    /** A GGUF v3 file parsed from its bytes: metadata values as Long, Double, Boolean, String or List. */
    static final class Parsed {
        final byte[] bytes;
        int version;
        final Map<String, Object> metadata = new LinkedHashMap<>();
        final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        long dataStart;

        private Parsed(byte[] bytes) {
            this.bytes = bytes;
        }

        static Parsed read(byte[] bytes) {
            Parsed file = new Parsed(bytes);
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x46554747, in.getInt(), "magic GGUF");
            file.version = in.getInt();
            long tensorCount = in.getLong();
            long metadataCount = in.getLong();
            long alignment = 32;
            for (long i = 0; i < metadataCount; i++) {
                String key = string(in);
                Object value = value(in, in.getInt());
                assertEquals(null, file.metadata.put(key, value), "key " + key + " once");
                if (key.equals("general.alignment")) {
                    alignment = (Long) value;
                }
            }
            for (long i = 0; i < tensorCount; i++) {
                String name = string(in);
                long[] dims = new long[in.getInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.getLong();
                }
                file.tensors.put(name, new TensorInfo(name, dims, in.getInt(), in.getLong()));
            }
            file.dataStart = (in.position() + alignment - 1) / alignment * alignment;
            for (int i = in.position(); i < file.dataStart; i++) {
                assertEquals(0, bytes[i], "padding before the data is zero");
            }
            return file;
        }

        /** The bytes of one tensor, little-endian. */
        ByteBuffer data(String name) {
            TensorInfo info = tensors.get(name);
            return ByteBuffer.wrap(bytes, Math.toIntExact(dataStart + info.offset), Math.toIntExact(info.bytes()))
                    .slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        private static Object value(ByteBuffer in, int type) {
            return switch (type) {
                case 0 -> (long) Byte.toUnsignedInt(in.get());
                case 1 -> (long) in.get();
                case 2 -> (long) Short.toUnsignedInt(in.getShort());
                case 3 -> (long) in.getShort();
                case 4 -> Integer.toUnsignedLong(in.getInt());
                case 5 -> (long) in.getInt();
                case 6 -> (double) in.getFloat();
                case 7 -> in.get() != 0;
                case 8 -> string(in);
                case 9 -> {
                    int elementType = in.getInt();
                    long count = in.getLong();
                    List<Object> values = new ArrayList<>();
                    for (long i = 0; i < count; i++) {
                        values.add(value(in, elementType));
                    }
                    yield values;
                }
                case 10, 11 -> in.getLong();
                case 12 -> in.getDouble();
                default -> throw new AssertionError("unknown metadata type " + type);
            };
        }

        private static String string(ByteBuffer in) {
            byte[] utf8 = new byte[Math.toIntExact(in.getLong())];
            in.get(utf8);
            return new String(utf8, StandardCharsets.UTF_8);
        }
    }
}
