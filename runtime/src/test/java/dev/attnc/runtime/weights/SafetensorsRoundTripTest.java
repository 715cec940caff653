package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    private static Tensor ramp(int n, int... shape) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = i * 0.5f - 3;
        }
        return Tensor.floats(data, shape);
    }

    @Test
    void f32AndI32RoundTrip() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.weight", ramp(6, 2, 3));
        tensors.put("ids", Tensor.ints(new int[] {5, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, 4));
        tensors.put("scalar", Tensor.floats(new float[] {Float.NaN}));
        tensors.put("empty", Tensor.floats(new float[0], 0, 5));
        tensors.put("special", Tensor.floats(new float[] {-0f, Float.POSITIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE}, 2, 2));
        Path file = dir.resolve("out.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt", "producer", "attnc"));

        try (SafetensorsFile f = Safetensors.open(file)) {
            assertEquals(List.of("empty", "ids", "scalar", "special", "z.weight"), List.copyOf(f.names()));
            assertEquals(Map.of("format", "pt", "producer", "attnc"), f.metadata());
            assertEquals("out.safetensors", f.description());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                assertEquals(e.getValue(), f.tensor(e.getKey()), e.getKey());
            }
            assertArrayEquals(new float[] {-3, -2.5f, -2, -1.5f, -1, -0.5f},
                    f.floats("z.weight", new int[] {2, 3}, Init.LINEAR));
            assertArrayEquals(new int[] {5, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, f.ints("ids", new int[] {4}));
            assertEquals("I32", f.dtype("ids"));
            assertArrayEquals(new int[] {2, 2}, f.shape("special"));
            assertTrue(f.contains("ids"));
            assertFalse(f.contains("nope"));
        }
    }

    @Test
    void headerIsPaddedAndTensorsAreInNameOrder() throws IOException {
        Path file = dir.resolve("out.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", ramp(3, 3));
        tensors.put("a", Tensor.ints(new int[] {1, 2}, 2));
        Safetensors.write(file, tensors);
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header length is a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]}}", header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
        assertEquals(8 + n + 20, bytes.length);
    }

    /** The bytes the reference implementation writes for one F32 [1, 2, 3] tensor of 0..5. */
    @Test
    void writesTheSameBytesAsTheReference() throws IOException {
        String json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, json.length()); // a multiple of 8 already: no padding
        byte[] expected = RawFile.of(json, RawFile.f32(0, 1, 2, 3, 4, 5));
        Path file = dir.resolve("ref.safetensors");
        Safetensors.write(file, Map.of("attn.0", Tensor.floats(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3)));
        assertArrayEquals(expected, Files.readAllBytes(file));

        Safetensors.write(file, Map.of());
        assertArrayEquals(RawFile.of("{}      "), Files.readAllBytes(file));

        Safetensors.write(file, Map.of(), Map.of("framework", "pt"));
        assertArrayEquals(RawFile.of("{\"__metadata__\":{\"framework\":\"pt\"}}     "), Files.readAllBytes(file));
    }

    @Test
    void largeTensorsCrossReadChunks() throws IOException {
        int n = 700_001; // more than one 1 MiB chunk of F32 and I32
        float[] floats = new float[n];
        int[] ints = new int[n];
        for (int i = 0; i < n; i++) {
            floats[i] = (float) Math.sin(i);
            ints[i] = i * 31 - 5;
        }
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, Map.of("f", Tensor.floats(floats, n), "i", Tensor.ints(ints, 1, n)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(floats, f.floats("f", new int[] {n}, Init.TENSOR));
            assertArrayEquals(ints, f.ints("i", new int[] {1, n}));
        }
    }

    @Test
    void overwritesAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("out.safetensors");
        Safetensors.write(file, Map.of("x", ramp(4, 4)));
        Safetensors.write(file, Map.of("y", ramp(2, 2)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("y"), List.copyOf(f.names()));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void reservedAndEmptyNamesAreRejected() {
        Path file = dir.resolve("out.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, Map.of("__metadata__", ramp(1, 1))));
        assertEquals("\"__metadata__\" cannot name a tensor in a safetensors file", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file, Map.of("", ramp(1, 1))));
        assertFalse(Files.exists(file));
    }

    @Test
    void namesWithQuotesAndUnicodeSurvive() throws IOException {
        Path file = dir.resolve("out.safetensors");
        String name = "layer \"0\"\\é→\u2028";
        Safetensors.write(file, Map.of(name, ramp(2, 2)), Map.of("note", "tab\there"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(ramp(2, 2), f.tensor(name));
            assertEquals("tab\there", f.metadata().get("note"));
        }
    }

    @Test
    void tensorsMayLeaveGapsAndUnknownKeysAreIgnored() throws IOException {
        // Not written by the reference writer, but unambiguous: accepted.
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12],\"extra\":{\"x\":[1]}},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        Path file = dir.resolve("gaps.safetensors");
        Files.write(file, RawFile.of(header, RawFile.f32(7, 0, 9, 0)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {9}, f.floats("a", new int[] {1}, Init.BIAS));
            assertEquals(Tensor.floats(new float[] {7}), f.tensor("z"));
        }
    }

    @Test
    void zeroSizedTensorsMayShareAnOffset() throws IOException {
        String header = RawFile.header(RawFile.entry("a", "F32", "[0]", 0, 0), RawFile.entry("b", "F32", "[0,3]", 0, 0),
                RawFile.entry("c", "F32", "[1]", 0, 4));
        Path file = dir.resolve("zero.safetensors");
        Files.write(file, RawFile.of(header, RawFile.f32(1)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(0, f.floats("b", new int[] {0, 3}, Init.TENSOR).length);
            assertEquals(Tensor.floats(new float[] {1}, 1), f.tensor("c"));
        }
    }
}
