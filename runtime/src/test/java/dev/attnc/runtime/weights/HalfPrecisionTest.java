package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** F16 and BF16 files made byte by byte, read back as float32. */
class HalfPrecisionTest {

    @TempDir
    Path dir;

    private SafetensorsFile open(String header, byte[] data) throws IOException {
        Path file = dir.resolve("half.safetensors");
        Files.write(file, RawFile.of(header, data));
        return SafetensorsFile.open(file);
    }

    @Test
    void f16KnownValues() throws IOException {
        int[] bits = {0x3C00, 0xC100, 0x7BFF, 0x0001, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x3555, 0x7E00};
        float[] expected = {
            1.0f, -2.5f, 65504f,
            0x1p-24f, // smallest subnormal
            0x1p-14f, // smallest normal
            -0.0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            0.333251953125f, // 1/3 rounded to 10 mantissa bits
            Float.NaN,
        };
        try (SafetensorsFile f = open(RawFile.header(RawFile.entry("h", "F16", "[2,5]", 0, 20)), RawFile.u16(bits))) {
            assertArrayEquals(expected, f.floats("h", new int[] {2, 5}, Init.TENSOR));
            assertEquals(Tensor.floats(expected, 2, 5), f.tensor("h"));
        }
    }

    @Test
    void bf16KnownValues() throws IOException {
        int[] bits = {0x3F80, 0xC020, 0x4049, 0x7F7F, 0x0001, 0x8000, 0x7F80, 0x3DCD};
        float[] expected = {
            1.0f, -2.5f, 3.140625f,
            (2 - 0x1p-7f) * 0x1p127f, // largest finite
            0x1p-133f, // smallest subnormal
            -0.0f, Float.POSITIVE_INFINITY,
            0.10009765625f, // 0.1 rounded to 7 mantissa bits
        };
        try (SafetensorsFile f = open(RawFile.header(RawFile.entry("b", "BF16", "[8]", 0, 16)), RawFile.u16(bits))) {
            assertArrayEquals(expected, f.floats("b", new int[] {8}, Init.TENSOR));
        }
    }

    /** Every F16 bit pattern against a decoder written from the IEEE 754 binary16 definition. */
    @Test
    void f16AllBitPatterns() throws IOException {
        int n = 1 << 16;
        int[] bits = new int[n];
        for (int i = 0; i < n; i++) {
            bits[i] = i;
        }
        try (SafetensorsFile f = open(RawFile.header(RawFile.entry("all", "F16", "[65536]", 0, 2L * n)), RawFile.u16(bits))) {
            float[] got = f.floats("all", new int[] {n}, Init.TENSOR);
            for (int i = 0; i < n; i++) {
                assertEquals(binary16(i), got[i], "bits 0x" + Integer.toHexString(i));
            }
        }
    }

    /** Every BF16 bit pattern against a decoder written from the bfloat16 definition. */
    @Test
    void bf16AllBitPatterns() throws IOException {
        int n = 1 << 16;
        int[] bits = new int[n];
        for (int i = 0; i < n; i++) {
            bits[i] = i;
        }
        try (SafetensorsFile f = open(RawFile.header(RawFile.entry("all", "BF16", "[256,256]", 0, 2L * n)), RawFile.u16(bits))) {
            float[] got = f.floats("all", new int[] {256, 256}, Init.TENSOR);
            for (int i = 0; i < n; i++) {
                assertEquals(bfloat16(i), got[i], "bits 0x" + Integer.toHexString(i));
            }
        }
    }

    private static float binary16(int bits) {
        return decode(bits, 5, 10);
    }

    private static float bfloat16(int bits) {
        return decode(bits, 8, 7);
    }

    /** A float of 1 sign bit, {@code e} exponent bits and {@code m} mantissa bits, as a double first. */
    private static float decode(int bits, int e, int m) {
        int sign = (bits >> (e + m)) & 1;
        int exponent = (bits >> m) & ((1 << e) - 1);
        int mantissa = bits & ((1 << m) - 1);
        int bias = (1 << (e - 1)) - 1;
        double value;
        if (exponent == (1 << e) - 1) {
            value = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            value = mantissa * Math.pow(2, 1 - bias - m);
        } else {
            value = (1 + mantissa / Math.pow(2, m)) * Math.pow(2, exponent - bias);
        }
        return (float) (sign == 1 ? -value : value);
    }
}
