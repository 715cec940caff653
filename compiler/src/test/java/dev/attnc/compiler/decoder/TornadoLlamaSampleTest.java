package dev.attnc.compiler.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * samples/llama/llama.attn through the TornadoVM backend (its kernels on the JVM stand-in here),
 * on the random checkpoints of {@link LlamaSampleTest} in the layouts real ones use: GGUF
 * {@code llama} (adjacent pairs, Q/K rows permuted, tied embeddings through {@code from "a" | "b"}),
 * Hugging Face (halves), Qwen2 (optional q/k/v biases present; Llama's absent), Llama 3.1's
 * {@code rope_scaling} and, in {@link #ropeFreqsMatchTheReference}, a GGUF {@code rope_freqs}
 * tensor. A prompt is prefilled in one call and the rest decoded one token per step; every
 * row of logits must match {@link LlamaReference} (float64) within {@link #TOLERANCE} of the
 * largest logit's magnitude, and the JVM backend's logits within {@link #BACKENDS}.
 */
class TornadoLlamaSampleTest {
    static final double TOLERANCE = 2e-4;
    /** Max |TornadoVM - JVM| over max(1, largest |logit|): both float32, summed in different orders. */
    static final double BACKENDS = 1e-5;
    private static final int[] IDS = {3, 17, 0, 29, 8, 8, 31};
    private static final int PROMPT = 4;

    @TempDir
    Path folder;

    @ParameterizedTest
    @EnumSource(LlamaSampleTest.Layout.class)
    void prefillAndStepsMatchTheReferenceAndTheJvmBackend(LlamaSampleTest.Layout layout) throws IOException {
        boolean qwen = layout == LlamaSampleTest.Layout.HF_QWEN2_TIED_BF16 || layout == LlamaSampleTest.Layout.GGUF_QWEN2;
        boolean tied = layout == LlamaSampleTest.Layout.HF_QWEN2_TIED_BF16 || layout == LlamaSampleTest.Layout.GGUF_LLAMA_TIED;
        boolean llama3 = layout == LlamaSampleTest.Layout.HF_LLAMA3_SHARDED;
        double base = layout == LlamaSampleTest.Layout.GGUF_QWEN2 ? 1e6 : 10000;
        LlamaReference.Config config = new LlamaReference.Config(32, 4, 2, 2, 48, 40, 1e-5, base, qwen, tied,
                llama3 ? 8 : 1, 1, 4, llama3 ? 64 : 8192);
        Map<String, Checkpoints.Stored> hf = LlamaSampleTest.randomWeights(config, layout == LlamaSampleTest.Layout.HF_QWEN2_TIED_BF16,
                11 + layout.ordinal());
        double[][] expected = new LlamaReference(config, hf).logits(IDS);
        LlamaSampleTest writer = new LlamaSampleTest();
        writer.folder = folder;
        try (WeightSource weights = writer.checkpoint(layout, config, hf)) {
            check(layout.toString(), weights, weights.checkpointMetadata(), expected);
        }
    }

    @Test
    void ropeFreqsMatchTheReference() {
        LlamaReference.Config c = new LlamaReference.Config(32, 4, 2, 2, 48, 40, 1e-5, 10000, false, false, 8, 1, 4, 64);
        Map<String, Checkpoints.Stored> hf = LlamaSampleTest.randomWeights(c, false, 5);
        CheckpointMetadata meta = RopeFreqsSampleTest.ropeFreqsMetadata(c);
        try (Checkpoints.InMemory weights = new Checkpoints.InMemory(hf, meta)) {
            check("rope_freqs", weights, meta, new LlamaReference(c, hf).logits(IDS));
        }
    }

    /** Prefill of {@link #PROMPT} ids, then a step per id, on both backends: each row against the reference and the JVM's. */
    static void check(String what, WeightSource weights, CheckpointMetadata meta, double[][] expected) {
        AttnModel tornado = compile(Backend.TORNADOVM, meta);
        assertTrue(tornado.javaSource().contains("TaskGraph"), "not the TornadoVM backend's class");
        float[][] rows = run(tornado, weights);
        float[][] jvm = run(compile(Backend.JVM, meta), weights);
        double scale = 1;
        for (double[] row : expected) {
            for (double value : row) {
                scale = Math.max(scale, Math.abs(value));
            }
        }
        double error = 0;
        double apart = 0;
        for (int r = 0; r < IDS.length; r++) {
            for (int v = 0; v < expected[r].length; v++) {
                error = Math.max(error, Math.abs(rows[r][v] - expected[r][v]));
                apart = Math.max(apart, Math.abs(rows[r][v] - jvm[r][v]));
            }
        }
        System.out.printf("%s on the TornadoVM backend: max abs error %.3g against the float64 reference, %.3g against the JVM"
                + " backend, logits of scale %.3g%n", what, error, apart, scale);
        assertTrue(error <= TOLERANCE * scale, what + ": max abs error " + error + " against the reference at scale " + scale);
        assertTrue(apart <= BACKENDS * scale, what + ": max abs difference " + apart + " from the JVM backend at scale " + scale);
    }

    static AttnModel compile(Backend backend, CheckpointMetadata meta) {
        return Attnc.compile(Repo.path("samples/llama/llama.attn"),
                CompileOptions.defaults().withBackend(backend).withCheckpoint(meta)).orElseThrow();
    }

    /** The logits of {@link #IDS}, row by row: the prompt in one forward call, then one step per id. */
    private static float[][] run(AttnModel model, WeightSource weights) {
        float[][] rows = new float[IDS.length][];
        try (Decoder decoder = model.loadDecoder(weights)) {
            float[] prefill = decoder.forward(Map.of("ids", Tensor.ints(Arrays.copyOf(IDS, PROMPT), PROMPT))).get("logits").floatData();
            int vocab = prefill.length / PROMPT;
            for (int r = 0; r < PROMPT; r++) {
                rows[r] = Arrays.copyOfRange(prefill, r * vocab, (r + 1) * vocab);
            }
            for (int r = PROMPT; r < IDS.length; r++) {
                rows[r] = decoder.step(Map.of("ids", Tensor.ints(new int[] {IDS[r]}, 1))).get("logits").floatData();
            }
            assertEquals(IDS.length, decoder.cachedPositions());
        }
        return rows;
    }
}
