package dev.attnc.runtime.weights;

import static dev.attnc.runtime.weights.RawFile.entry;
import static dev.attnc.runtime.weights.RawFile.f32;
import static dev.attnc.runtime.weights.RawFile.header;
import static dev.attnc.runtime.weights.RawFile.i32;
import static dev.attnc.runtime.weights.RawFile.i64;
import static dev.attnc.runtime.weights.RawFile.u16;
import static dev.attnc.runtime.weights.RawFile.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of broken safetensors files, each with the exact message it must fail with.
 * The same table is in {@code src/test/resources/bad-weights.md}; {@link #tableIsDocumented}
 * keeps the two equal.
 */
class BadWeightsTest {

    private static final String FILE = "model.safetensors";

    /** A well-formed F32 [2, 3] tensor "w": the base most cases break in one place. */
    private static final String W = entry("w", "F32", "[2,3]", 0, 24);

    @TempDir
    Path dir;

    /**
     * One broken file.
     *
     * @param action what is done with the opened file; null to only open it
     */
    record Case(String broken, byte[] bytes, Consumer<SafetensorsFile> action, String message) {}

    private static Consumer<SafetensorsFile> floats(String name, int... shape) {
        return f -> f.floats(name, shape, Init.LINEAR);
    }

    private static Consumer<SafetensorsFile> ints(String name, int... shape) {
        return f -> f.ints(name, shape);
    }

    private static Consumer<SafetensorsFile> tensor(String name) {
        return f -> f.tensor(name);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // The length field and the header bytes.
        c.add(new Case("empty file", zeros(0), null,
                "model.safetensors: file is 0 bytes, too short for a safetensors file (at least 8)"));
        c.add(new Case("file shorter than the 8-byte length", zeros(5), null,
                "model.safetensors: file is 5 bytes, too short for a safetensors file (at least 8)"));
        c.add(new Case("header length 0", RawFile.withLength(0, f32(1, 2)), null,
                "model.safetensors: header length is 0; a safetensors file starts with a JSON header"));
        c.add(new Case("header length points past the end of the file",
                RawFile.withLength(1000, header(W).getBytes(StandardCharsets.UTF_8), zeros(24)), null,
                "model.safetensors: header length 1000 is past the end of the file"
                        + " (only 81 bytes follow the length; is the file truncated?)"));
        c.add(new Case("header length absurd (all bits set)", RawFile.withLength(-1, zeros(16)), null,
                "model.safetensors: header length 18446744073709551615 is over the limit of 100000000 bytes;"
                        + " is this a safetensors file?"));
        c.add(new Case("not a safetensors file (a zip archive, as PyTorch's .bin)",
                RawFile.concat(new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0}, zeros(100)), null,
                "model.safetensors: header length 85966670672 is over the limit of 100000000 bytes;"
                        + " is this a safetensors file?"));
        c.add(new Case("header not UTF-8", RawFile.withLength(4, new byte[] {'{', '"', (byte) 0xFF, '}'}), null,
                "model.safetensors: header is not valid UTF-8 (at byte 2 of the header)"));
        // The JSON.
        c.add(new Case("header JSON cut short", RawFile.of("{\"w\":{\"dtype\":\"F32\","), null,
                "model.safetensors: header is not valid JSON (it ends early, at line 1, column 21)"));
        c.add(new Case("header JSON missing a colon", RawFile.of("{\"w\" {}}"), null,
                "model.safetensors: header is not valid JSON (error at line 1, column 7)"));
        c.add(new Case("header JSON with a trailing comma", RawFile.of("{" + W + ",}", zeros(24)), null,
                "model.safetensors: header is not valid JSON (error at line 1, column 59)"));
        c.add(new Case("text after the header object", RawFile.of(header(W) + " x", zeros(24)), null,
                "model.safetensors: header is not valid JSON (error at line 1, column 60)"));
        c.add(new Case("header nested 300 levels deep",
                RawFile.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":"
                        + "[".repeat(300) + "]".repeat(300) + "}}", zeros(4)), null,
                "model.safetensors: header JSON is nested too deeply (at line 1, column 312)"));
        c.add(new Case("header is a JSON array", RawFile.of("[1, 2]"), null,
                "model.safetensors: header is not a JSON object, found an array"));
        c.add(new Case("tensor listed twice", RawFile.of(header(W, W), zeros(24)), null,
                "w: listed twice in the header of model.safetensors"));
        c.add(new Case("`__metadata__` value not a string",
                RawFile.of("{\"__metadata__\":{\"step\":100}," + W + "}", zeros(24)), null,
                "model.safetensors: \"__metadata__\" value of \"step\" must be a string, found a number"));
        // One tensor entry.
        c.add(new Case("entry not an object", RawFile.of("{\"w\":[0,24]}"), null,
                "w: entry must be an object with \"dtype\", \"shape\" and \"data_offsets\", found an array"
                        + " in model.safetensors"));
        c.add(new Case("entry missing dtype", RawFile.of("{\"w\":{\"shape\":[2,3],\"data_offsets\":[0,24]}}", zeros(24)),
                null, "w: missing \"dtype\" in model.safetensors"));
        c.add(new Case("entry missing shape", RawFile.of("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]}}", zeros(24)),
                null, "w: missing \"shape\" in model.safetensors"));
        c.add(new Case("entry missing data_offsets", RawFile.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3]}}", zeros(24)),
                null, "w: missing \"data_offsets\" in model.safetensors"));
        c.add(new Case("dtype not a string",
                RawFile.of("{\"w\":{\"dtype\":32,\"shape\":[2,3],\"data_offsets\":[0,24]}}", zeros(24)), null,
                "w: \"dtype\" must be a string, found a number in model.safetensors"));
        c.add(new Case("shape not an array", RawFile.of(header(entry("w", "F32", "\"2x3\"", 0, 24)), zeros(24)), null,
                "w: \"shape\" must be an array of integers, found a string in model.safetensors"));
        c.add(new Case("shape with a fraction and a string",
                RawFile.of(header(entry("w", "F32", "[2.5,\"3\"]", 0, 24)), zeros(24)), null,
                "w: \"shape\" must be an array of integers, found [2.5, \"3\"] in model.safetensors"));
        c.add(new Case("negative dim", RawFile.of(header(entry("w", "F32", "[2,-3]", 0, 24)), zeros(24)), null,
                "w: shape [2, -3] has a negative dim in model.safetensors"));
        c.add(new Case("dim beyond int range", RawFile.of(header(entry("w", "U8", "[3000000000]", 0, 24)), zeros(24)),
                null, "w: shape [3000000000] has a dim larger than 2147483647 in model.safetensors"));
        c.add(new Case("element count overflows",
                RawFile.of(header(entry("w", "F64", "[2147483647,2147483647,2147483647]", 0, 24)), zeros(24)), null,
                "w: shape [2147483647, 2147483647, 2147483647] is too large in model.safetensors"));
        c.add(new Case("unknown dtype", RawFile.of(header(entry("w", "F17", "[2,3]", 0, 24)), zeros(24)), null,
                "w: unknown dtype \"F17\" in model.safetensors (supported: F32, F16, BF16, I32, I64)"));
        c.add(new Case("dtype in lower case", RawFile.of(header(entry("w", "f32", "[2,3]", 0, 24)), zeros(24)), null,
                "w: unknown dtype \"f32\" in model.safetensors (supported: F32, F16, BF16, I32, I64)"));
        c.add(new Case("data_offsets not a pair", RawFile.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[24]}}",
                zeros(24)), null, "w: \"data_offsets\" must be [begin, end], found [24] in model.safetensors"));
        c.add(new Case("data_offsets negative", RawFile.of(header(entry("w", "F32", "[2,3]", -8, 16)), zeros(24)), null,
                "w: data_offsets [-8, 16] must not be negative in model.safetensors"));
        c.add(new Case("data_offsets end before begin", RawFile.of(header(entry("w", "F32", "[2,3]", 24, 0)), zeros(24)),
                null, "w: data_offsets [24, 0] end before they begin in model.safetensors"));
        c.add(new Case("data_offsets past the end of the data", RawFile.of(header(entry("w", "F32", "[2,3]", 24, 48)),
                zeros(24)), null, "w: data_offsets [24, 48] reach past the end of the data"
                        + " (24 bytes; is the file truncated?) in model.safetensors"));
        c.add(new Case("data truncated", RawFile.of(header(W), zeros(10)), null,
                "w: data_offsets [0, 24] reach past the end of the data (10 bytes; is the file truncated?)"
                        + " in model.safetensors"));
        c.add(new Case("byte length != shape * element size",
                RawFile.of(header(entry("w", "F32", "[2,3]", 0, 20)), zeros(24)), null,
                "w: data_offsets [0, 20] hold 20 bytes, but F32 [2, 3] needs 24 in model.safetensors"));
        c.add(new Case("F16 tensor sized as if F32", RawFile.of(header(entry("h", "F16", "[4]", 0, 16)), zeros(16)), null,
                "h: data_offsets [0, 16] hold 16 bytes, but F16 [4] needs 8 in model.safetensors"));
        c.add(new Case("F4 tensor of half a byte", RawFile.of(header(entry("q", "F4", "[3]", 0, 2)), zeros(2)), null,
                "q: F4 [3] does not fill a whole number of bytes in model.safetensors"));
        c.add(new Case("overlapping tensors",
                RawFile.of(header(entry("a", "F32", "[4]", 0, 16), entry("b", "F32", "[4]", 8, 24)), zeros(24)), null,
                "b: data_offsets [8, 24] overlap those of a [0, 16] in model.safetensors"));
        // Reading a tensor from a valid file.
        c.add(new Case("tensor missing", RawFile.of(header(W), zeros(24)), floats("v", 2, 3),
                "v: not found in model.safetensors"));
        c.add(new Case("tensor missing, stored under a prefix",
                RawFile.of(header(entry("transformer.h.0.ln_1.weight", "F32", "[6]", 0, 24)), zeros(24)),
                floats("h.0.ln_1.weight", 6),
                "h.0.ln_1.weight: not found in model.safetensors (did you mean \"transformer.h.0.ln_1.weight\"?)"));
        c.add(new Case("tensor missing, name misspelt",
                RawFile.of(header(entry("h.0.attn.c_attn.weight", "F32", "[6]", 0, 24)), zeros(24)),
                floats("h.0.attn.c_atn.weight", 6),
                "h.0.attn.c_atn.weight: not found in model.safetensors (did you mean \"h.0.attn.c_attn.weight\"?)"));
        c.add(new Case("wrong shape (transposed)", RawFile.of(header(W), zeros(24)), floats("w", 3, 2),
                "w: expected [3, 2], found [2, 3] in model.safetensors"));
        c.add(new Case("wrong rank", RawFile.of(header(W), zeros(24)), floats("w", 6),
                "w: expected [6], found [2, 3] in model.safetensors"));
        c.add(new Case("F64 requested as float", RawFile.of(header(entry("w", "F64", "[3]", 0, 24)), zeros(24)),
                floats("w", 3), "w: dtype F64 cannot be read as float32 in model.safetensors (supported: F32, F16, BF16)"));
        c.add(new Case("BOOL requested as float", RawFile.of(header(entry("m", "BOOL", "[4]", 0, 4)), zeros(4)),
                floats("m", 4), "m: dtype BOOL cannot be read as float32 in model.safetensors (supported: F32, F16, BF16)"));
        c.add(new Case("F32 requested as int", RawFile.of(header(W), zeros(24)), ints("w", 2, 3),
                "w: dtype F32 cannot be read as int32 in model.safetensors (supported: I32, I64)"));
        c.add(new Case("I64 value beyond int32", RawFile.of(header(entry("ids", "I64", "[3]", 0, 24)), i64(7, 1L << 32, 9)),
                ints("ids", 3), "ids: element 1 is 4294967296, which does not fit in int32, in model.safetensors"));
        c.add(new Case("U8 read as a tensor", RawFile.of(header(entry("mask", "U8", "[4]", 0, 4)), zeros(4)),
                tensor("mask"),
                "mask: dtype U8 cannot be read as a tensor in model.safetensors (supported: F32, F16, BF16, I32, I64)"));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> eachBrokenFileFailsWithItsMessage() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.broken(), () -> {
            Path file = dir.resolve(FILE);
            Files.write(file, c.bytes());
            WeightException e = assertThrows(WeightException.class, () -> {
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    if (c.action() != null) {
                        c.action().accept(f);
                    }
                }
            });
            assertEquals(c.message(), e.getMessage());
        }));
    }

    @Test
    void tableIsDocumented() throws IOException {
        List<String> documented = new ArrayList<>();
        try (InputStream in = BadWeightsTest.class.getResourceAsStream("/bad-weights.md")) {
            assertTrue(in != null, "src/test/resources/bad-weights.md is missing");
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("| ") && !line.startsWith("| what is broken") && !line.startsWith("| ---")) {
                    documented.add(line.strip());
                }
            }
        }
        List<String> expected = cases().stream().map(BadWeightsTest::row).toList();
        if (!expected.equals(documented)) {
            fail("bad-weights.md is out of date; its rows should be:\n" + String.join("\n", expected));
        }
    }

    static String row(Case c) {
        return "| " + c.broken() + " | `" + c.message() + "` |";
    }

    @Test
    void missingFileNamesItsPath() {
        Path missing = dir.resolve("missing.safetensors");
        WeightException e = assertThrows(WeightException.class, () -> SafetensorsFile.open(missing));
        assertEquals("missing.safetensors: file not found (" + missing.toAbsolutePath() + ")", e.getMessage());
    }

    @Test
    void directoryIsNotAFile() {
        WeightException e = assertThrows(WeightException.class, () -> SafetensorsFile.open(dir));
        assertEquals(dir.getFileName() + ": is a directory, not a safetensors file (" + dir.toAbsolutePath() + ")",
                e.getMessage());
    }

    @Test
    void readingAfterCloseIsAnIllegalState() throws IOException {
        Path file = dir.resolve(FILE);
        Files.write(file, RawFile.of(header(W), f32(1, 2, 3, 4, 5, 6)));
        SafetensorsFile f = SafetensorsFile.open(file);
        f.close();
        f.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.floats("w", new int[] {2, 3}, Init.LINEAR));
        assertEquals("model.safetensors is closed", e.getMessage());
    }

    /** A valid file with one tensor of each readable dtype, a U8 tensor and metadata. */
    private static byte[] validFile() {
        String h = "{\"__metadata__\":{\"format\":\"pt\"},"
                + String.join(",",
                        entry("a.f32", "F32", "[2,3]", 0, 24),
                        entry("b.f16", "F16", "[4]", 24, 32),
                        entry("c.bf16", "BF16", "[2]", 32, 36),
                        entry("d.i64", "I64", "[3]", 36, 60),
                        entry("e.i32", "I32", "[2]", 60, 68),
                        entry("f.u8", "U8", "[4]", 68, 72))
                + "}";
        return RawFile.of(h, f32(1, 2, 3, 4, 5, 6), u16(0x3C00, 0xC100, 0x7BFF, 0), u16(0x3F80, 0xC020),
                i64(1, -2, 3), i32(4, 5), new byte[] {1, 0, 1, 0});
    }

    /** Opens {@code bytes} and reads every tensor; anything but success or a WeightException fails. */
    private void openAndReadAll(byte[] bytes, String what) throws IOException {
        Path file = dir.resolve(FILE);
        Files.write(file, bytes);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                try {
                    f.tensor(name);
                    f.floats(name, f.shape(name), Init.TENSOR);
                } catch (WeightException expected) {
                    assertTrue(expected.getMessage().contains(FILE), expected.getMessage());
                }
            }
        } catch (WeightException expected) {
            assertTrue(expected.getMessage().contains(FILE), what + ": " + expected.getMessage());
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + " threw " + e, e);
        }
    }

    @Test
    void validBaseFileReads() throws IOException {
        Path file = dir.resolve(FILE);
        Files.write(file, validFile());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("a.f32", "b.f16", "c.bf16", "d.i64", "e.i32", "f.u8"), List.copyOf(f.names()));
            assertEquals("[1, -2, 3]", Arrays.toString(f.ints("d.i64", new int[] {3})));
            assertEquals("[1.0, -2.5]", Arrays.toString(f.floats("c.bf16", new int[] {2}, Init.LINEAR)));
        }
    }

    @Test
    void everyTruncationFailsWithAWeightException() throws IOException {
        byte[] valid = validFile();
        for (int length = 0; length < valid.length; length++) {
            Path file = dir.resolve(FILE);
            Files.write(file, Arrays.copyOf(valid, length));
            int n = length;
            WeightException e = assertThrows(WeightException.class, () -> SafetensorsFile.open(file).close(),
                    "truncated to " + n + " bytes");
            assertTrue(e.getMessage().contains(FILE), e.getMessage());
        }
    }

    @Test
    void randomCorruptionsOnlyEverThrowWeightException() throws IOException {
        byte[] valid = validFile();
        int headerEnd = 8 + (int) java.nio.ByteBuffer.wrap(valid, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] interesting = "0123456789-.,:[]{}\" eE+FIUBL".getBytes(StandardCharsets.US_ASCII);
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 3000; round++) {
            byte[] bytes = valid.clone();
            int edits = 1 + random.nextInt(3);
            for (int k = 0; k < edits; k++) {
                int at = random.nextInt(headerEnd);
                bytes[at] = random.nextBoolean()
                        ? interesting[random.nextInt(interesting.length)]
                        : (byte) random.nextInt(256);
            }
            openAndReadAll(bytes, "round " + round);
        }
    }
}
