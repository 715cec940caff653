package dev.attnc.compiler.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * samples/gpt2/gpt2.attn through the TornadoVM backend (its kernels on the JVM stand-in here), on
 * the random Hugging Face checkpoints {@link Gpt2Checkpoint} writes: plain names (the first of
 * each {@code from "a" | "b"}) and {@code transformer.}-prefixed ones (the second), F32 and BF16,
 * the LM head tied to wte through the alternatives. A prompt is prefilled in one call and the rest
 * decoded a token per step; each row of logits must match {@link Gpt2Reference} (float64) within
 * {@link #TOLERANCE} of the largest logit's magnitude, and the JVM backend's within {@link #BACKENDS}.
 */
class TornadoGpt2SampleTest {
    static final double TOLERANCE = 2e-4;
    /** Max |TornadoVM - JVM| over max(1, largest |logit|). */
    static final double BACKENDS = 1e-5;
    private static final RefByteBpe VOCABULARY = new RefByteBpe(List.of("Ġ t", "h e", "Ġt he", "Ġ d", "o g"));
    private static final String TEXT = "the dog ran to the dog";
    private static final int PROMPT = 5;

    @TempDir
    Path folder;

    @ParameterizedTest
    @EnumSource(Gpt2Checkpoint.Layout.class)
    void prefillAndStepsMatchTheReferenceAndTheJvmBackend(Gpt2Checkpoint.Layout layout) throws IOException {
        boolean innerGiven = layout == Gpt2Checkpoint.Layout.PREFIXED_SHARDED;
        Gpt2Reference.Config c = new Gpt2Reference.Config(24, 3, 2, 32, VOCABULARY.tokens.size(), innerGiven ? 40 : 96, 1e-5);
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(c, VOCABULARY, layout.bf16(), 31 + layout.ordinal());
        int[] ids = VOCABULARY.encode(TEXT);
        assertTrue(ids.length > PROMPT, "too few tokens: " + ids.length);
        double[][] expected = new Gpt2Reference(c, Gpt2Checkpoint.values(weights)).logits(ids);
        try (WeightSource source = Weights.open(Gpt2Checkpoint.write(folder, c, innerGiven, weights, VOCABULARY, layout))) {
            float[][] tornado = run(compile(Backend.TORNADOVM, source), source, ids);
            float[][] jvm = run(compile(Backend.JVM, source), source, ids);
            double scale = 1;
            double error = 0;
            double apart = 0;
            for (int r = 0; r < ids.length; r++) {
                for (int v = 0; v < c.vocab(); v++) {
                    scale = Math.max(scale, Math.abs(expected[r][v]));
                    error = Math.max(error, Math.abs(tornado[r][v] - expected[r][v]));
                    apart = Math.max(apart, Math.abs(tornado[r][v] - jvm[r][v]));
                }
            }
            System.out.printf("gpt2 %s on the TornadoVM backend: max abs error %.3g against the float64 reference, %.3g against"
                    + " the JVM backend, logits of scale %.3g%n", layout, error, apart, scale);
            assertTrue(error <= TOLERANCE * scale, layout + ": max abs error " + error + " at scale " + scale);
            assertTrue(apart <= BACKENDS * scale, layout + ": max abs difference " + apart + " from the JVM backend");
        }
    }

    private static AttnModel compile(Backend backend, WeightSource weights) {
        AttnModel model = Attnc.compile(Repo.path("samples/gpt2/gpt2.attn"),
                CompileOptions.defaults().withBackend(backend).withCheckpoint(weights.checkpointMetadata())).orElseThrow();
        assertEquals(backend == Backend.TORNADOVM, model.javaSource().contains("TaskGraph"), "the class of the " + backend + " backend");
        return model;
    }

    /** The logits of {@code ids}, row by row: the first {@link #PROMPT} in one forward call, then one step per id. */
    private static float[][] run(AttnModel model, WeightSource weights, int[] ids) {
        float[][] rows = new float[ids.length][];
        try (Decoder decoder = model.loadDecoder(weights)) {
            float[] prefill = decoder.forward(Map.of("ids", Tensor.ints(Arrays.copyOf(ids, PROMPT), PROMPT))).get("logits").floatData();
            int vocab = prefill.length / PROMPT;
            for (int r = 0; r < PROMPT; r++) {
                rows[r] = Arrays.copyOfRange(prefill, r * vocab, (r + 1) * vocab);
            }
            for (int r = PROMPT; r < ids.length; r++) {
                rows[r] = decoder.step(Map.of("ids", Tensor.ints(new int[] {ids[r]}, 1))).get("logits").floatData();
            }
            assertEquals(ids.length, decoder.cachedPositions());
        }
        return rows;
    }
}
