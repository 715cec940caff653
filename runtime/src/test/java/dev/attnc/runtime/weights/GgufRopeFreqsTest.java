package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.kernels.Kernels;
import dev.attnc.runtime.kernels.Positions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF Llama 3.1 files keep RoPE's frequency scaling as a tensor, {@code rope_freqs.weight}:
 * pair i of a head of rotated width d turns by {@code base^(-2i/d) / rope_freqs[i]} per
 * position (llama.cpp's rule). The divisors come out of the file's metadata exactly, the
 * frequencies built from them and the rotation applied with them match a float64 reference
 * written here, and the divisors llama.cpp's converter computes from Llama 3.1's
 * {@code rope_scaling} give the frequencies of {@link Positions#ropeFrequenciesLlama3}.
 */
class GgufRopeFreqsTest {
    private static final int GGML_F32 = 0;
    private static final int HEAD_DIM = 16;
    private static final double BASE = 500000;

    @TempDir
    Path dir;

    private GgufFile write(String name, long[] dims, float... divisors) throws IOException {
        byte[] bytes = GgufBytes.file(3, List.of(new GgufBytes.Meta("general.architecture", GgufBytes.STRING, "llama"),
                new GgufBytes.Meta("llama.rope.freq_base", GgufBytes.FLOAT32, (float) BASE)),
                List.of(new GgufBytes.Tensor("token_embd.weight", new long[] {HEAD_DIM, 2}, GGML_F32, GgufBytes.f32(new float[2 * HEAD_DIM])),
                        new GgufBytes.Tensor(CheckpointMetadata.ROPE_FREQS_TENSOR, dims, GGML_F32, GgufBytes.f32(divisors))),
                32);
        return GgufFile.open(GgufBytes.write(dir, name, bytes), note -> { });
    }

    @Test
    void divisorsFromTheFileScaleTheFrequenciesAndTheRotation() throws IOException {
        SplittableRandom random = new SplittableRandom(31);
        float[] stored = new float[HEAD_DIM / 2];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = (float) (1 + 7 * random.nextDouble());
        }
        double[] divisors;
        try (GgufFile gguf = write("llama31.gguf", new long[] {stored.length}, stored)) {
            divisors = gguf.checkpointMetadata().ropeFrequencyDivisors().orElseThrow();
        }
        assertEquals(stored.length, divisors.length);
        for (int i = 0; i < stored.length; i++) {
            assertEquals(stored[i], divisors[i], 0, "divisor " + i);
        }

        double[] frequencies = Positions.ropeFrequenciesDivided(HEAD_DIM, BASE, divisors);
        double[] expected = new double[HEAD_DIM / 2];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = 1 / (Math.exp(Math.log(BASE) * 2 * i / HEAD_DIM) * stored[i]);
            assertEquals(expected[i], frequencies[i], 1e-14 * expected[i], "frequency " + i);
        }

        // The rotation itself, adjacent pairs as llama.cpp's llama files store them, at far positions.
        int heads = 2;
        int rows = 3;
        int[] positions = {0, 4097, 70000};
        float[] x = new float[rows * heads * HEAD_DIM];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextDouble() - 1);
        }
        float[] y = new float[x.length];
        Kernels.rope(rows, heads, HEAD_DIM, true, frequencies, positions, 0, 1, 0, x, 0, heads * HEAD_DIM, y, 0, heads * HEAD_DIM);
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < HEAD_DIM / 2; i++) {
                    double angle = positions[r] * expected[i];
                    int at = (r * heads + h) * HEAD_DIM + 2 * i;
                    double a = x[at];
                    double b = x[at + 1];
                    worst = Math.max(worst, Math.abs(y[at] - (a * Math.cos(angle) - b * Math.sin(angle))));
                    worst = Math.max(worst, Math.abs(y[at + 1] - (a * Math.sin(angle) + b * Math.cos(angle))));
                }
            }
        }
        // float32 inputs and outputs, sines rounded to float32: a few ulps of values below 1.5.
        assertTrue(worst < 1e-6, "rotation off by " + worst);
    }

    /** llama.cpp's converter turns Llama 3.1's rope_scaling into rope_freqs; both routes give the same frequencies. */
    @Test
    void theConvertersDivisorsGiveLlama3Scaling() {
        int d = 128;
        double factor = 8;
        double low = 1;
        double high = 4;
        double context = 8192;
        double[] divisors = new double[d / 2];
        for (int i = 0; i < divisors.length; i++) {
            double wavelength = 2 * Math.PI * Math.pow(BASE, 2.0 * i / d);
            double divisor;
            if (wavelength < context / high) {
                divisor = 1;
            } else if (wavelength > context / low) {
                divisor = factor;
            } else {
                double smooth = (context / wavelength - low) / (high - low);
                divisor = 1 / ((1 - smooth) / factor + smooth);
            }
            divisors[i] = (float) divisor; // stored as F32
        }
        double[] divided = Positions.ropeFrequenciesDivided(d, BASE, divisors);
        double[] llama3 = Positions.ropeFrequenciesLlama3(d, BASE, factor, low, high, context);
        for (int i = 0; i < divided.length; i++) {
            assertEquals(llama3[i], divided[i], 1e-7 * llama3[i], "frequency " + i);
        }
    }

    @Test
    void aFileWithoutTheTensorHasNoDivisors() throws IOException {
        byte[] bytes = GgufBytes.file(3, List.of(new GgufBytes.Meta("general.architecture", GgufBytes.STRING, "llama")),
                List.of(new GgufBytes.Tensor("token_embd.weight", new long[] {4, 2}, GGML_F32, GgufBytes.f32(new float[8]))), 32);
        try (GgufFile gguf = GgufFile.open(GgufBytes.write(dir, "plain.gguf", bytes), note -> { })) {
            assertTrue(gguf.checkpointMetadata().ropeFrequencyDivisors().isEmpty());
        }
    }

    @Test
    void badDivisorsAreReportedByName() throws IOException {
        try (GgufFile gguf = write("zero.gguf", new long[] {4}, 1, 2, 0, 4)) {
            WeightException e = assertThrows(WeightException.class, () -> gguf.checkpointMetadata().ropeFrequencyDivisors());
            assertEquals("rope_freqs.weight: RoPE frequency divisor 2 is 0.0, expected a finite number above 0, in zero.gguf",
                    e.getMessage());
        }
        try (GgufFile gguf = write("nan.gguf", new long[] {2}, 1, Float.NaN)) {
            WeightException e = assertThrows(WeightException.class, () -> gguf.checkpointMetadata().ropeFrequencyDivisors());
            assertTrue(e.getMessage().startsWith("rope_freqs.weight: RoPE frequency divisor 1 is NaN"), e.getMessage());
        }
        try (GgufFile gguf = write("matrix.gguf", new long[] {2, 2}, 1, 2, 3, 4)) {
            WeightException e = assertThrows(WeightException.class, () -> gguf.checkpointMetadata().ropeFrequencyDivisors());
            assertEquals("rope_freqs.weight: expected a vector of 1 to 65536 RoPE frequency divisors, found [2, 2] in matrix.gguf",
                    e.getMessage());
        }
        IllegalArgumentException wrongCount = assertThrows(IllegalArgumentException.class,
                () -> Positions.ropeFrequenciesDivided(HEAD_DIM, BASE, new double[] {1, 2}));
        assertEquals("RoPE of rotated width 16 takes 8 frequency divisors, found 2", wrongCount.getMessage());
        assertArrayEquals(Positions.ropeFrequencies(4, BASE), Positions.ropeFrequenciesDivided(4, BASE, new double[] {1, 1}));
    }
}
