package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.weights.GgufBytes.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * F16 and BF16 matrices of a GGUF file reach the linear layer in 16 bits: {@link Kernels#matrix}
 * hands out a {@link Kernels.Half}, whose products match float64 sums written here from the
 * bits in the file (binary16: sign, 5 exponent bits with bias 15, 10 significand bits; bfloat16:
 * the upper half of a float32). Tolerance: 1e-5 of the sum of the magnitudes of the terms.
 */
class GgufHalfMatrixTest {
    @TempDir
    Path dir;

    private static double value(String type, int bits) {
        if (type.equals("BF16")) {
            return Float.intBitsToFloat(bits << 16);
        }
        int exponent = (bits >>> 10) & 31;
        int significand = bits & 1023;
        double magnitude = exponent == 0 ? significand * Math.pow(2, -24)
                : (1 + significand / 1024.0) * Math.pow(2, exponent - 15);
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    @Test
    void f16AndBf16MatricesStay16BitAndMultiplyRight() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        int outWidth = 70;
        int in = 300;
        for (String type : List.of("F16", "BF16")) {
            short[] bits = new short[outWidth * in];
            byte[] data = new byte[2 * bits.length];
            for (int i = 0; i < bits.length; i++) {
                float v = (float) ((random.nextDouble() * 2 - 1) * 0.3);
                bits[i] = type.equals("F16") ? Float.floatToFloat16(v) : (short) (Float.floatToRawIntBits(v) >>> 16);
                data[2 * i] = (byte) bits[i];
                data[2 * i + 1] = (byte) (bits[i] >>> 8);
            }
            byte[] file = GgufBytes.file(3, List.of(),
                    List.of(new Tensor("w", new long[] {in, outWidth}, GgufType.valueOf(type).id, data)), 32);
            List<String> notes = new ArrayList<>();
            try (GgufFile g = GgufFile.open(GgufBytes.write(dir, type + ".gguf", file), notes::add)) {
                Kernels.Matrix m = Kernels.matrix(g, "w", new int[] {outWidth, in}, Init.TENSOR);
                Kernels.Half half = assertInstanceOf(Kernels.Half.class, m, type);
                assertEquals(HalfMatrix.Format.valueOf(type), half.values().format());
                assertEquals(List.of(), notes, "a matrix kept in 16 bits is not converted: no note");
                for (int rows : new int[] {1, 3, 20}) {
                    float[] x = new float[rows * in];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (random.nextDouble() * 2 - 1);
                    }
                    float[] y = new float[rows * outWidth];
                    m.linear(rows, x, 0, in, null, Activation.NONE, y, 0, outWidth);
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < outWidth; o++) {
                            double sum = 0;
                            double magnitude = 0;
                            for (int i = 0; i < in; i++) {
                                double term = x[r * in + i] * value(type, bits[o * in + i] & 0xFFFF);
                                sum += term;
                                magnitude += Math.abs(term);
                            }
                            assertEquals(sum, y[r * outWidth + o], 1e-5 * magnitude + 1e-7,
                                    type + " rows " + rows + ": row " + r + ", output " + o);
                        }
                    }
                }
            }
        }
    }
}
