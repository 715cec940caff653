package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.weights.GgufBytes.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each tensor type decoded by GgufFile against a float64 decoding written here from the block
 * layouts (value index to block, byte and bits), on seeded random blocks. Tolerance: float32
 * rounding of the reader's few operations, 1e-6 of the magnitude of the terms of each value.
 */
class GgufDequantizationTest {

    @TempDir
    Path dir;

    /** A binary16 as a double, from its bits (finite values only). */
    static double half(int bits) {
        int sign = (bits >>> 15) & 1;
        int exponent = (bits >>> 10) & 31;
        int mantissa = bits & 1023;
        double magnitude = exponent == 0 ? mantissa * Math.pow(2, -24) : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
        return sign == 1 ? -magnitude : magnitude;
    }

    static double bfloat(int bits) {
        int sign = (bits >>> 15) & 1;
        int exponent = (bits >>> 7) & 255;
        int mantissa = bits & 127;
        double magnitude = exponent == 0 ? mantissa * Math.pow(2, -133) : (1 + mantissa / 128.0) * Math.pow(2, exponent - 127);
        return sign == 1 ? -magnitude : magnitude;
    }

    static int u8(byte[] data, int at) {
        return data[at] & 0xFF;
    }

    static int u16(byte[] data, int at) {
        return u8(data, at) | (u8(data, at + 1) << 8);
    }

    /** Value {@code index} of the flattened tensor, and the magnitude of the terms it is made of: {value, magnitude}. */
    static double[] reference(String type, byte[] data, int index) {
        switch (type) {
            case "F16" -> {
                double v = half(u16(data, 2 * index));
                return new double[] {v, Math.abs(v)};
            }
            case "BF16" -> {
                double v = bfloat(u16(data, 2 * index));
                return new double[] {v, Math.abs(v)};
            }
            case "Q8_0" -> {
                int base = index / 32 * 34;
                double v = half(u16(data, base)) * data[base + 2 + index % 32];
                return new double[] {v, Math.abs(v)};
            }
            case "Q4_0" -> {
                int base = index / 32 * 18;
                int i = index % 32;
                int b = u8(data, base + 2 + i % 16);
                int nibble = i < 16 ? b & 15 : b >> 4;
                double v = half(u16(data, base)) * (nibble - 8);
                return new double[] {v, Math.abs(v)};
            }
            case "Q4_K" -> {
                int base = index / 256 * 144;
                int i = index % 256;
                int sub = i / 32;
                int b = u8(data, base + 16 + 32 * (sub / 2) + i % 32);
                int nibble = sub % 2 == 0 ? b & 15 : b >> 4;
                int s = base + 4;
                int scale;
                int min;
                if (sub < 4) {
                    scale = u8(data, s + sub) & 63;
                    min = u8(data, s + sub + 4) & 63;
                } else {
                    scale = (u8(data, s + sub + 4) & 15) + 16 * (u8(data, s + sub - 4) >> 6);
                    min = (u8(data, s + sub + 4) >> 4) + 16 * (u8(data, s + sub) >> 6);
                }
                double a = half(u16(data, base)) * scale * nibble;
                double m = half(u16(data, base + 2)) * min;
                return new double[] {a - m, Math.abs(a) + Math.abs(m)};
            }
            case "Q6_K" -> {
                int base = index / 256 * 210;
                int i = index % 256;
                int h = i / 128;
                int v = i % 128;
                int quarter = v / 32;
                int l = v % 32;
                int lowByte = u8(data, base + 64 * h + (quarter % 2 == 1 ? 32 : 0) + l);
                int low = quarter < 2 ? lowByte & 15 : lowByte >> 4;
                int top = (u8(data, base + 128 + 32 * h + l) >> (2 * quarter)) & 3;
                int q = low + 16 * top - 32;
                double value = half(u16(data, base + 208)) * data[base + 192 + 8 * h + v / 16] * q;
                return new double[] {value, Math.abs(value)};
            }
            default -> throw new IllegalArgumentException(type);
        }
    }

    /** Random finite binary16 bits of magnitude at most {@code max}. */
    static short randomHalf(Random random, double max) {
        return Float.floatToFloat16((float) ((random.nextDouble() * 2 - 1) * max));
    }

    /** Random blocks of {@code type} for {@code values} values: random bytes, with finite scales. */
    static byte[] randomData(String type, int values, Random random) {
        GgufType t = GgufType.valueOf(type);
        int blocks = values / t.blockValues();
        byte[] data = new byte[blocks * t.blockBytes()];
        random.nextBytes(data);
        for (int b = 0; b < blocks; b++) {
            int base = b * t.blockBytes();
            switch (type) {
                case "F16" -> put16(data, base, randomHalf(random, 100));
                case "BF16" -> put16(data, base, Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16);
                case "Q8_0", "Q4_0" -> put16(data, base, randomHalf(random, 0.05));
                case "Q4_K" -> {
                    put16(data, base, randomHalf(random, 0.05));
                    put16(data, base + 2, randomHalf(random, 0.05));
                }
                case "Q6_K" -> put16(data, base + 208, randomHalf(random, 0.01));
                default -> throw new IllegalArgumentException(type);
            }
        }
        return data;
    }

    private static void put16(byte[] data, int at, int bits) {
        data[at] = (byte) bits;
        data[at + 1] = (byte) (bits >>> 8);
    }

    /** Reads a [rows, columns] tensor of {@code type} and checks every value. */
    private void check(String type, int rows, int columns, long seed) throws Exception {
        byte[] data = randomData(type, rows * columns, new Random(seed));
        GgufType t = GgufType.valueOf(type);
        byte[] bytes = GgufBytes.file(3, List.of(), List.of(new Tensor("w", new long[] {columns, rows}, t.id, data)), 32);
        List<String> notes = new ArrayList<>();
        try (GgufFile g = GgufFile.open(GgufBytes.write(dir, type + ".gguf", bytes), notes::add)) {
            float[] got = g.floats("w", new int[] {rows, columns}, Init.TENSOR);
            g.floats("w", new int[] {rows, columns}, Init.TENSOR);
            for (int i = 0; i < rows * columns; i++) {
                double[] ref = reference(type, data, i);
                assertEquals(ref[0], got[i], 1e-6 * ref[1] + 1e-30, type + " value " + i);
            }
            // F16 and BF16 matrices are also kept in 16 bits for the linear kernel, with the same values.
            java.util.Optional<HalfMatrix> halves = g.halves("w", new int[] {rows, columns});
            assertEquals(type.equals("F16") || type.equals("BF16"), halves.isPresent(), type + ": kept in 16 bits");
            if (halves.isPresent()) {
                assertEquals(Arrays.toString(got), Arrays.toString(halves.get().dequantize()), type + " in 16 bits");
            }
            if (t.keptQuantized()) {
                assertEquals(List.of(), notes, type + " has a kernel: no note");
            } else {
                assertEquals(List.of("note: " + type + ".gguf: " + type + " tensors read as float32 are converted as they"
                        + " are loaded (linear layers read F16, BF16, Q8_0 and Q4_0 matrices in place)"), notes,
                        "one note per file, not per read");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F16", "BF16", "Q8_0", "Q4_0"})
    void smallBlockTypes(String type) throws Exception {
        check(type, 7, 96, 11);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K", "Q6_K"})
    void superBlockTypes(String type) throws Exception {
        check(type, 3, 512, 12);
    }

    @Test
    void q8_0BlocksThatStraddleRowsAreReadOverTheFlattenedTensor() throws Exception {
        // Rows of 172 values (as stories260K's ffn_down): 64 x 172 = 344 blocks, most across two rows.
        check("Q8_0", 64, 172, 13);
        byte[] data = randomData("Q8_0", 64 * 172, new Random(13));
        byte[] bytes = GgufBytes.file(2, List.of(), List.of(new Tensor("down", new long[] {172, 64}, 8, data)), 32);
        try (GgufFile g = GgufFile.open(GgufBytes.write(dir, "straddle.gguf", bytes))) {
            assertEquals(Optional.empty(), g.quantized("down", new int[] {64, 172}),
                    "rows that are not whole blocks are not kept quantized");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void quantizedMatricesHoldTheBlocksOfTheFile(String type) throws Exception {
        int rows = 5;
        int columns = 96;
        byte[] data = randomData(type, rows * columns, new Random(14));
        GgufType t = GgufType.valueOf(type);
        byte[] bytes = GgufBytes.file(1, List.of(), List.of(new Tensor("w", new long[] {columns, rows}, t.id, data)), 32);
        try (GgufFile g = GgufFile.open(GgufBytes.write(dir, "q.gguf", bytes))) {
            QuantizedMatrix m = g.quantized("w", new int[] {rows, columns}).orElseThrow();
            assertEquals(QuantizedMatrix.Format.valueOf(type), m.format());
            assertEquals(rows, m.rows());
            assertEquals(columns, m.columns());
            float[] all = m.dequantize();
            for (int i = 0; i < rows * columns; i++) {
                double[] ref = reference(type, data, i);
                assertEquals(ref[0], all[i], 1e-6 * ref[1] + 1e-30, type + " value " + i);
            }
            float[] row = new float[columns + 3];
            m.dequantizeRow(2, row, 3);
            for (int c = 0; c < columns; c++) {
                assertEquals(all[2 * columns + c], row[3 + c]);
            }
            assertEquals(rows * columns / 32 * (type.equals("Q8_0") ? 36 : 20), m.bytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void quantizingFloatsStaysWithinHalfAStep(String type) {
        Random random = new Random(15);
        int rows = 3;
        int columns = 64;
        float[] w = new float[rows * columns];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * (1 + i % 7));
        }
        QuantizedMatrix m = QuantizedMatrix.quantize(QuantizedMatrix.Format.valueOf(type), w, rows, columns);
        float[] back = m.dequantize();
        for (int b = 0; b < w.length / 32; b++) {
            double amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(w[32 * b + i]));
            }
            // Q8_0 steps of amax / 127, Q4_0 of amax / 8 (and the far side clamped one step short); plus the scale's half-precision rounding.
            double bound = type.equals("Q8_0") ? amax * (0.5 / 127 + 127.0 / 127 / 2048) : amax * (1.0 / 8 + 8.0 / 8 / 2048);
            for (int i = 0; i < 32; i++) {
                double error = Math.abs(w[32 * b + i] - back[32 * b + i]);
                assertTrue(error <= bound * (1 + 1e-6), type + " value " + (32 * b + i) + " off by " + error + " > " + bound);
            }
        }
        assertArrayEquals(back, m.dequantize());
    }
}
