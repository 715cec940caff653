package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.GgufBytes.ARRAY;
import static dev.attnc.runtime.weights.GgufBytes.BOOL;
import static dev.attnc.runtime.weights.GgufBytes.FLOAT32;
import static dev.attnc.runtime.weights.GgufBytes.INT32;
import static dev.attnc.runtime.weights.GgufBytes.STRING;
import static dev.attnc.runtime.weights.GgufBytes.UINT32;
import static dev.attnc.runtime.weights.GgufBytes.UINT64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.weights.GgufBytes.Arr;
import dev.attnc.runtime.weights.GgufBytes.Meta;
import dev.attnc.runtime.weights.GgufBytes.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Broken and hostile GGUF files: each is refused at open with one WeightException naming the
 * file and what is wrong, before memory in proportion to its claims is reserved. The claims of
 * huge sizes are also opened in a child JVM with a 16 MiB heap.
 */
class GgufHostileTest {

    @TempDir
    Path dir;

    private String open(byte[] bytes) throws IOException {
        Path file = GgufBytes.write(dir, "bad.gguf", bytes);
        try {
            WeightException e = assertThrows(WeightException.class, () -> GgufFile.open(file).close());
            return e.getMessage();
        } finally {
            Files.delete(file);
        }
    }

    /** A valid file with metadata of several kinds and three tensors (F32, Q8_0, Q4_0). */
    private static byte[] valid(int version) {
        byte[] q8 = GgufDequantizationTest.randomData("Q8_0", 64, new java.util.Random(1));
        byte[] q4 = GgufDequantizationTest.randomData("Q4_0", 64, new java.util.Random(2));
        return GgufBytes.file(version, List.of(
                new Meta("general.architecture", STRING, "llama"),
                new Meta("llama.block_count", UINT32, 5),
                new Meta("tokenizer.ggml.tokens", ARRAY, new Arr(STRING, List.of("<unk>", "<s>", "x"))),
                new Meta("tokenizer.ggml.scores", ARRAY, new Arr(FLOAT32, List.of(0f, 1f, -2f))),
                new Meta("nested", ARRAY, new Arr(ARRAY, List.of(new Arr(INT32, List.of(1, 2))))),
                new Meta("flag", BOOL, true)), List.of(
                new Tensor("norm", new long[] {3}, 0, GgufBytes.f32(1, 2, 3)),
                new Tensor("q8", new long[] {32, 2}, 8, q8),
                new Tensor("q4", new long[] {32, 2}, 2, q4)), 32);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aFileTruncatedAnywhereFailsWithOneClearError(int version) throws IOException {
        byte[] whole = valid(version);
        try (GgufFile g = GgufFile.open(GgufBytes.write(dir, "whole.gguf", whole))) {
            assertEquals(3, g.names().size());
        }
        for (int length = 0; length < whole.length; length++) {
            String message = open(Arrays.copyOf(whole, length));
            assertTrue(message.contains("bad.gguf") && (message.contains("truncated") || message.contains("too short")),
                    "cut at " + length + ": " + message);
        }
    }

    @Test
    void truncatedMessagesSayWhereTheyStopped() throws IOException {
        byte[] whole = valid(2);
        assertEquals("bad.gguf: file is 6 bytes, too short for a GGUF file (at least 8)", open(Arrays.copyOf(whole, 6)));
        assertEquals("bad.gguf: header lists 3 tensors and 6 metadata entries, which take at least 150 bytes, but only"
                + " 6 bytes follow (is the file truncated?)", open(Arrays.copyOf(whole, 30)));
        byte[] key = new GgufBytes(2).header(0, 1).len(20).raw("general.arch".getBytes(StandardCharsets.US_ASCII)).bytes();
        assertEquals("bad.gguf: ends at byte 44, inside the key of metadata entry 0 of 1 (at byte 32, 20 bytes needed;"
                + " is the file truncated?)", open(key));
        String data = open(Arrays.copyOf(whole, whole.length - 1));
        assertEquals("q4: data [128, 164) of 36 bytes (Q4_0 ne=[32, 2]) reaches past the end of the data in bad.gguf"
                + " (163 bytes from byte " + (whole.length - 164) + "; is the file truncated?)", data);
    }

    @Test
    void notGgufAtAll() throws IOException {
        assertEquals("bad.gguf: not a GGUF file (it starts with bytes 7b 22 77 22, not \"GGUF\")",
                open("{\"w\": {\"dtype\": \"F32\"}}".getBytes(StandardCharsets.US_ASCII)));
        byte[] v4 = valid(2);
        v4[4] = 4;
        assertEquals("bad.gguf: GGUF version 4 is not supported (attnc reads versions 1 to 3)", open(v4));
        byte[] bigEndian = valid(3);
        bigEndian[4] = 0;
        bigEndian[7] = 3;
        assertEquals("bad.gguf: is a big-endian GGUF file (version 3); attnc reads little-endian ones", open(bigEndian));
    }

    /** A header with the given counts followed by {@code rest}. */
    private static byte[] claims(int version, long tensors, long keys, byte[] rest) {
        return new GgufBytes(version).header(tensors, keys).raw(rest).bytes();
    }

    @Test
    void hugeCountsAreRefusedBeforeAnythingIsAllocated() throws Exception {
        assertEquals("bad.gguf: header lists 1099511627776 tensors, more than attnc reads (262144)",
                open(claims(2, 1L << 40, 0, new byte[64])));
        assertEquals("bad.gguf: header lists 4294967295 metadata entries, more than attnc reads (65536)",
                open(claims(1, 0, 0xFFFF_FFFFL, new byte[64])));
        assertEquals("bad.gguf: header lists 200000 tensors and 0 metadata entries, which take at least 4800000 bytes,"
                + " but only 64 bytes follow (is the file truncated?)", open(claims(2, 200_000, 0, new byte[64])));
        // Negative as a signed 64-bit number: must not wrap around any check.
        assertEquals("bad.gguf: header lists 18446744073709551615 tensors, more than attnc reads (262144)",
                open(claims(3, -1, 0, new byte[64])));
    }

    @Test
    void hugeArraysAndStringsAreRefusedBeforeAnythingIsAllocated() throws Exception {
        GgufBytes array = new GgufBytes(2).header(0, 1).str("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).len(1L << 61);
        assertEquals("bad.gguf: metadata \"tokenizer.ggml.tokens\" claims 2305843009213693952 string elements, but only 0"
                + " bytes of the file follow (is the file truncated?)", open(array.bytes()));
        GgufBytes floats = new GgufBytes(1).header(0, 1).str("scores").u32(ARRAY).u32(FLOAT32).len(0xFFFF_FFF0L).raw(new byte[40]);
        assertEquals("bad.gguf: metadata \"scores\" claims 4294967280 float32 elements, but only 40 bytes of the file"
                + " follow (is the file truncated?)", open(floats.bytes()));
        GgufBytes string = new GgufBytes(2).header(0, 1).str("general.name").u32(STRING).len(1L << 50).raw(new byte[16]);
        assertEquals("bad.gguf: metadata \"general.name\" is 1125899906842624 bytes long, past the end of the file;"
                + " attnc reads at most 4194304", open(string.bytes()));
        GgufBytes key = new GgufBytes(2).header(0, 1).len(-1).raw(new byte[16]);
        assertEquals("bad.gguf: the key of metadata entry 0 of 1 is 18446744073709551615 bytes long, past the end of the"
                + " file; attnc reads at most 65536", open(key.bytes()));
        GgufBytes fits = new GgufBytes(2).header(0, 1).str("s").u32(STRING).len(100).raw(new byte[50]);
        assertEquals("bad.gguf: ends at byte 95, inside metadata \"s\" (at byte 45, 100 bytes needed; is the file"
                + " truncated?)", open(fits.bytes()));
        GgufBytes deep = new GgufBytes(2).header(0, 1).str("deep").u32(ARRAY);
        for (int i = 0; i < 9; i++) {
            deep.u32(ARRAY).len(1);
        }
        deep.u32(INT32).len(0);
        assertTrue(open(deep.bytes()).endsWith("nests arrays more than 8 deep"));
    }

    @Test
    void hostileClaimsFailInA16MiBHeap() throws Exception {
        byte[][] files = {
            new GgufBytes(2).header(0, 1).str("t").u32(ARRAY).u32(UINT64).len(1L << 40).raw(new byte[1 << 16]).bytes(),
            new GgufBytes(1).header(0, 1).str("t").u32(ARRAY).u32(ARRAY).len(0xFFFF_FFFFL).raw(new byte[1 << 16]).bytes(),
            new GgufBytes(2).header(0, 1).str("t").u32(STRING).len(Integer.MAX_VALUE).raw(new byte[1 << 16]).bytes(),
            claims(2, 262_144, 65_536, new byte[1 << 16]),
            new GgufBytes(2).header(1, 0).str("w").u32(4).len(1L << 20).len(1L << 20).len(1L << 20).len(1L << 20)
                    .u32(0).u64(0).bytes(),
        };
        for (byte[] bytes : files) {
            Path file = GgufBytes.write(dir, "hostile.gguf", bytes);
            String direct = assertThrows(WeightException.class, () -> GgufFile.open(file)).getMessage();
            assertEquals(List.of("0", direct), openInSmallHeap(file, 16));
            Files.delete(file);
        }
    }

    /** Opens {@code file} in a child JVM of {@code heapMiB} MiB: its exit code and the line it printed. */
    private static List<String> openInSmallHeap(Path file, int heapMiB) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx" + heapMiB + "m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), GgufHostileTest.class.getName(), file.toString()))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "the child JVM did not end within 60 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return List.of(String.valueOf(p.exitValue()), out);
    }

    /** The child: prints the WeightException's message or "opened"; anything else (an OutOfMemoryError) exits 1. */
    public static void main(String[] args) {
        try {
            GgufFile.open(Path.of(args[0])).close();
            System.out.println("opened");
        } catch (WeightException e) {
            System.out.println(e.getMessage());
        } catch (Throwable e) {
            System.out.println(e);
            System.exit(1);
        }
    }

    /** One tensor info with the given fields after a minimal header, then {@code data} bytes of data. */
    private static byte[] oneTensor(int version, long[] dims, int type, long offset, int data) {
        GgufBytes g = new GgufBytes(version).header(1, 0).info("w", dims, type, offset).padTo(32);
        return g.raw(new byte[data]).bytes();
    }

    @Test
    void badTensorInfos() throws IOException {
        assertEquals("w: data [64, 80) of 16 bytes (F32 ne=[4]) reaches past the end of the data in bad.gguf"
                + " (64 bytes from byte 64; is the file truncated?)", open(oneTensor(2, new long[] {4}, 0, 64, 64)));
        assertEquals("w: data offset 9223372036854775806 in bad.gguf is not a multiple of the alignment 32", open(oneTensor(2, new long[] {4}, 0, Long.MAX_VALUE - 1, 64)));
        assertEquals("w: data [9223372036854775776, 9223372036854775792) of 16 bytes (F32 ne=[4]) reaches past the end of"
                + " the data in bad.gguf (64 bytes from byte 64; is the file truncated?)",
                open(oneTensor(2, new long[] {4}, 0, Long.MAX_VALUE - 31, 64)));
        assertEquals("w: data offset 18446744073709551615 in bad.gguf is past the end of any file",
                open(oneTensor(2, new long[] {4}, 0, -1, 64)));
        assertEquals("w: data offset 8 in bad.gguf is not a multiple of the alignment 32",
                open(oneTensor(2, new long[] {4}, 0, 8, 64)));
        assertEquals("w: tensor type 99 in bad.gguf is not one attnc knows (it reads F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)",
                open(oneTensor(2, new long[] {4}, 99, 0, 64)));
        assertEquals("w: has 5 dims in bad.gguf; GGUF tensors have at most 4",
                open(oneTensor(2, new long[] {1, 1, 1, 1, 1}, 0, 0, 64)));
        assertEquals("w: dims ne=[1099511627776] in bad.gguf have a dim larger than 2147483647",
                open(oneTensor(2, new long[] {1L << 40}, 0, 0, 64)));
        assertEquals("w: dims ne=[2147483647, 2147483647, 2147483647, 2147483647] in bad.gguf hold more values than a"
                + " file can (over 2^63)", open(oneTensor(2, new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE,
                        Integer.MAX_VALUE, Integer.MAX_VALUE}, 0, 0, 64)));
        assertEquals("w: dims ne=[2147483647, 2147483647, 2147483647] in bad.gguf hold more values than a file can"
                + " (over 2^63)", open(oneTensor(1, new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, 30, 0, 64)));
        assertEquals("w: dims ne=[2147483647, 2147483647, 2] in bad.gguf hold more bytes than a file can",
                open(oneTensor(1, new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 2}, 28, 0, 64)));
        assertEquals("w: 33 values ne=[33] in bad.gguf are not a whole number of Q8_0 blocks of 32",
                open(oneTensor(2, new long[] {33}, 8, 0, 64)));
        // Unknown ggml types within the table open, and are refused when read.
        Path q5 = GgufBytes.write(dir, "q5.gguf", oneTensor(2, new long[] {32}, 6, 0, 22));
        try (GgufFile g = GgufFile.open(q5)) {
            assertEquals("w: type Q5_0 cannot be read as float32 in q5.gguf (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)",
                    assertThrows(WeightException.class, () -> g.floats("w", new int[] {32}, Init.TENSOR)).getMessage());
        }
    }

    @Test
    void duplicatesOverlapsAndBadValues() throws IOException {
        byte[] twice = new GgufBytes(2).header(2, 0).info("w", new long[] {4}, 0, 0).info("w", new long[] {4}, 0, 32)
                .padTo(32).raw(new byte[64]).bytes();
        assertEquals("w: listed twice in the header of bad.gguf", open(twice));
        byte[] overlap = new GgufBytes(2).header(2, 0).info("a", new long[] {16}, 0, 0).info("b", new long[] {4}, 0, 32)
                .padTo(32).raw(new byte[64]).bytes();
        assertEquals("b: data [32, 48) overlaps that of a [0, 64) in bad.gguf", open(overlap));
        byte[] keyTwice = new GgufBytes(2).header(0, 2).meta(new Meta("k", UINT32, 1)).meta(new Meta("k", STRING, "x")).bytes();
        assertEquals("bad.gguf: metadata key \"k\" is listed twice", open(keyTwice));
        byte[] unknownValue = new GgufBytes(2).header(0, 1).str("k").u32(13).u32(0).bytes();
        assertEquals("bad.gguf: metadata \"k\" has value type 13, which is not a GGUF type (0 to 12)", open(unknownValue));
        byte[] badBool = new GgufBytes(2).header(0, 1).str("k").u32(BOOL).u8(7).bytes();
        assertEquals("bad.gguf: metadata \"k\" is a bool stored as 7 (0 or 1 expected)", open(badBool));
        byte[] bigU64 = new GgufBytes(2).header(0, 1).str("k").u32(UINT64).u64(-2).bytes();
        assertEquals("bad.gguf: metadata \"k\" is the uint64 18446744073709551614, larger than attnc reads (2^63 - 1)",
                open(bigU64));
        byte[] badKey = new GgufBytes(2).header(0, 1).len(2).raw(new byte[] {(byte) 0xC3, 0x28}).u32(UINT32).u32(1).bytes();
        assertEquals("bad.gguf: the key of metadata entry 0 of 1 is not valid UTF-8 (at byte 32)", open(badKey));
        for (Meta alignment : List.of(new Meta("general.alignment", UINT32, 3), new Meta("general.alignment", UINT32, 0),
                new Meta("general.alignment", UINT64, 1L << 40), new Meta("general.alignment", STRING, "32"))) {
            byte[] bytes = new GgufBytes(2).header(0, 1).meta(alignment).bytes();
            assertTrue(open(bytes).startsWith("bad.gguf: general.alignment is "), alignment.toString());
        }
        assertEquals("bad.gguf: general.alignment is the string \"32\"; it must be a power of two from 1 to 16777216",
                open(new GgufBytes(2).header(0, 1).meta(new Meta("general.alignment", STRING, "32")).bytes()));
    }

    @Test
    void folderAndMissingFile() throws IOException {
        assertTrue(assertThrows(WeightException.class, () -> GgufFile.open(dir)).getMessage()
                .contains("is a directory, not a GGUF file"));
        assertTrue(assertThrows(WeightException.class, () -> GgufFile.open(dir.resolve("none.gguf"))).getMessage()
                .startsWith("none.gguf: file not found"));
    }
}
