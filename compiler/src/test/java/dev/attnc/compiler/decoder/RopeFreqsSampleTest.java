package dev.attnc.compiler.decoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * samples/llama with {@code scaling = checkpoint} on a GGUF-style checkpoint that states Llama 3.1's
 * scaling only as {@code rope_freqs} divisors (as llama.cpp's converter writes it): the logits must
 * match the float64 Llama 3 reference, whose scaling is computed from the factors in the test.
 */
class RopeFreqsSampleTest {
    @Test
    void dividedMatchesLlama3() {
        LlamaReference.Config c = new LlamaReference.Config(32, 4, 2, 2, 48, 40, 1e-5, 10000, false, false, 8, 1, 4, 64);
        Map<String, Checkpoints.Stored> hf = LlamaSampleTest.randomWeights(c, false, 5);
        int[] ids = {3, 17, 0, 29, 8, 8, 31};
        double[][] expected = new LlamaReference(c, hf).logits(ids);
        CheckpointMetadata meta = ropeFreqsMetadata(c);
        try (Checkpoints.InMemory weights = new Checkpoints.InMemory(hf, meta)) {
            AttnModel model = Attnc.compile(Repo.path("samples/llama/llama.attn"),
                    CompileOptions.defaults().withCheckpoint(meta)).orElseThrow();
            try (Decoder decoder = model.loadDecoder(weights)) {
                float[] logits = decoder.forward(Map.of("ids", Tensor.ints(ids, ids.length))).get("logits").floatData();
                double worst = 0, scale = 0;
                for (int r = 0; r < ids.length; r++) {
                    for (int v = 0; v < c.vocab(); v++) {
                        worst = Math.max(worst, Math.abs(logits[r * c.vocab() + v] - expected[r][v]));
                        scale = Math.max(scale, Math.abs(expected[r][v]));
                    }
                }
                assertTrue(worst <= 2e-4 * Math.max(1, scale), "worst " + worst);
            }
        }
    }

    /**
     * The metadata of a GGUF-style checkpoint for {@code c} that states Llama 3.1's scaling only as
     * {@code rope_freqs} divisors, computed here from the config's factors as llama.cpp's converter does.
     */
    static CheckpointMetadata ropeFreqsMetadata(LlamaReference.Config c) {
        int d = c.headDim();
        double[] divisors = new double[d / 2];
        for (int i = 0; i < divisors.length; i++) {
            double wavelength = 2 * Math.PI * Math.pow(c.base(), 2.0 * i / d);
            double smooth = (c.originalContext() / wavelength - 1) / 3;
            divisors[i] = (float) (wavelength < c.originalContext() / 4 ? 1 : wavelength > c.originalContext() ? 8
                    : 1 / ((1 - smooth) / 8 + smooth));
        }
        CheckpointMetadata keys = CheckpointMetadata.of(Map.of("hidden_size", 32L, "num_attention_heads", 4L,
                "num_key_value_heads", 2L, "num_hidden_layers", 2L, "intermediate_size", 48L, "vocab_size", 40L,
                "rms_norm_eps", 1e-5, "rope_theta", 10000.0), "x.gguf");
        CheckpointMetadata meta = new CheckpointMetadata() {
            public Optional<Object> value(String key) { return keys.value(key); }
            public Set<String> keys() { return keys.keys(); }
            public String description() { return "x.gguf"; }
            public Optional<double[]> ropeFrequencyDivisors() { return Optional.of(divisors); }
        };
        return meta;
    }
}
