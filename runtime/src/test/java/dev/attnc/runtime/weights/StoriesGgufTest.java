package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.runtime.kernels.Activation;
import dev.attnc.runtime.kernels.QuantizedLinear;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The real stories260K files beside the project ({@code ../shared/models}, see its README): a
 * GGUF v1 file in F32 and a v2 file in Q8_0 of the same Llama. Every Q8_0 tensor decoded must
 * lie within the Q8_0 rounding error of the F32 one, block by block over the flattened tensor
 * (ffn_down's blocks straddle its rows of 172). Skipped, saying so, when the files are absent.
 */
class StoriesGgufTest {

    static final String F32 = "stories260K-f32.gguf";
    static final String Q8 = "stories260K-q8_0.gguf";

    /** {@code shared/models/name} in the nearest folder above the working directory that has it. */
    static Path model(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve("shared").resolve("models").resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        assumeTrue(false, "shared/models/" + name + " not found in any folder above " + Path.of("").toAbsolutePath()
                + ": the real-checkpoint checks need it (see shared/models/README.md)");
        return null;
    }

    @Test
    void metadataAndTensorTable() {
        List<String> notes = new ArrayList<>();
        try (GgufFile f = GgufFile.open(model(F32), notes::add); GgufFile q = GgufFile.open(model(Q8), notes::add)) {
            assertEquals(1, f.version());
            assertEquals(2, q.version());
            for (GgufFile g : List.of(f, q)) {
                CheckpointMetadata m = g.checkpointMetadata();
                assertEquals("llama", m.value("general.architecture").orElseThrow());
                assertEquals(64L, m.value("llama.embedding_length").orElseThrow());
                assertEquals(5L, m.value("llama.block_count").orElseThrow());
                assertEquals(172L, m.value("llama.feed_forward_length").orElseThrow());
                assertEquals(8L, m.value("llama.attention.head_count").orElseThrow());
                assertEquals(4L, m.value("llama.attention.head_count_kv").orElseThrow());
                assertEquals(1e-5, (Double) m.value("llama.attention.layer_norm_rms_epsilon").orElseThrow(), 1e-12);
                List<?> tokens = (List<?>) m.value("tokenizer.ggml.tokens").orElseThrow();
                assertEquals(512, tokens.size());
                assertEquals(List.of("<unk>", "<s>", "</s>"), tokens.subList(0, 3));
                assertEquals(512, ((List<?>) m.value("tokenizer.ggml.scores").orElseThrow()).size());
                assertEquals(1L, m.value("tokenizer.ggml.bos_token_id").orElseThrow());
                assertEquals(48, g.names().size());
                assertArrayEquals(new int[] {512, 64}, g.shape("token_embd.weight"));
                assertArrayEquals(new int[] {32, 64}, g.shape("blk.0.attn_k.weight"));
                assertArrayEquals(new int[] {64, 172}, g.shape("blk.0.ffn_down.weight"));
            }
            assertEquals(List.copyOf(f.names()), List.copyOf(q.names()));
            assertEquals(7L, q.checkpointMetadata().value("general.file_type").orElseThrow());
            assertEquals(GgufType.Q8_0, q.type("blk.3.ffn_down.weight"));
            assertEquals(GgufType.F32, q.type("blk.3.ffn_norm.weight"));
        }
        assertEquals(List.of(), notes, "F32 and Q8_0 need no note");
    }

    @Test
    void everyQ8_0TensorIsTheF32OneWithinItsRoundingError() {
        try (GgufFile f = GgufFile.open(model(F32)); GgufFile q = GgufFile.open(model(Q8))) {
            int quantized = 0;
            for (String name : f.names()) {
                int[] shape = f.shape(name);
                float[] exact = f.floats(name, shape, Init.TENSOR);
                float[] read = q.floats(name, shape, Init.TENSOR);
                if (q.type(name) == GgufType.F32) {
                    assertArrayEquals(exact, read, name);
                    continue;
                }
                quantized++;
                double worst = 0;
                for (int b = 0; b < exact.length / 32; b++) {
                    double amax = 0;
                    for (int i = 0; i < 32; i++) {
                        amax = Math.max(amax, Math.abs(exact[32 * b + i]));
                    }
                    // Half a step of amax / 127, plus the scale's rounding to half precision over 127 steps.
                    double bound = amax / 127 * (0.5 + 127.0 / 2048) * (1 + 1e-5);
                    for (int i = 0; i < 32; i++) {
                        double error = Math.abs(exact[32 * b + i] - read[32 * b + i]);
                        worst = Math.max(worst, error / bound);
                        assertTrue(error <= bound, name + " value " + (32 * b + i) + ": " + read[32 * b + i] + " vs F32 "
                                + exact[32 * b + i] + ", more than " + bound + " apart");
                    }
                }
                assertTrue(worst > 0.3, name + ": errors suspiciously small (" + worst + " of the bound): is it Q8_0?");
            }
            assertEquals(7 * 5 + 2, quantized, "token_embd, output and 7 matrices per layer are Q8_0");
            assertArrayEquals(f.floats("token_embd.weight", new int[] {512, 64}, Init.TENSOR),
                    f.floats("output.weight", new int[] {512, 64}, Init.TENSOR), "the README says output = token_embd");
        }
    }

    @Test
    void q8_0MatricesStayQuantizedWhereRowsAreWholeBlocks() {
        try (GgufFile f = GgufFile.open(model(F32)); GgufFile q = GgufFile.open(model(Q8))) {
            assertEquals(Optional.empty(), q.quantized("blk.0.ffn_down.weight", new int[] {64, 172}), "rows of 172");
            assertEquals(Optional.empty(), f.quantized("blk.0.ffn_gate.weight", new int[] {172, 64}), "F32");
            QuantizedMatrix gate = q.quantized("blk.0.ffn_gate.weight", new int[] {172, 64}).orElseThrow();
            assertArrayEquals(q.floats("blk.0.ffn_gate.weight", new int[] {172, 64}, Init.TENSOR), gate.dequantize());

            // The kernel on the real Q8_0 weight stays within the rounding error of the F32 product.
            float[] exact = f.floats("blk.0.ffn_gate.weight", new int[] {172, 64}, Init.TENSOR);
            Random random = new Random(5);
            float[] x = new float[3 * 64];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] y = new float[3 * 172];
            QuantizedLinear.linear(3, 64, 172, x, 0, 64, gate, null, Activation.NONE, y, 0, 172);
            for (int r = 0; r < 3; r++) {
                for (int o = 0; o < 172; o++) {
                    double sum = 0;
                    double bound = 0;
                    for (int b = 0; b < 2; b++) {
                        double amax = 0;
                        for (int i = 0; i < 32; i++) {
                            amax = Math.max(amax, Math.abs(exact[o * 64 + 32 * b + i]));
                        }
                        for (int i = 0; i < 32; i++) {
                            int c = 32 * b + i;
                            sum += (double) exact[o * 64 + c] * x[r * 64 + c];
                            bound += Math.abs(x[r * 64 + c]) * amax / 127 * (0.5 + 127.0 / 2048);
                        }
                    }
                    assertEquals(sum, y[r * 172 + o], bound * 1.001 + 1e-5, "row " + r + ", output " + o);
                }
            }
        }
    }
}
