package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.diag.Span;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link CheckpointMeta#ropeScaling}, what {@code rope(..., scaling = checkpoint)} reads: a
 * GGUF file's {@code rope_freqs} divisors, a Hugging Face config's {@code rope_scaling}, or
 * nothing; and one clear error for each way a checkpoint can get it wrong.
 */
class CheckpointRopeScalingTest {
    private static final Span SPAN = new Span(new SourceFile("m.attn", "model M { }\n"), 0, 5);

    /** GGUF-style metadata whose rope_freqs divisors come from {@code divisors}. */
    private static CheckpointMetadata gguf(Supplier<Optional<double[]>> divisors) {
        CheckpointMetadata keys = CheckpointMetadata.of(Map.of("general.architecture", "llama"), "llama31.gguf");
        return new CheckpointMetadata() {
            @Override
            public Optional<Object> value(String key) {
                return keys.value(key);
            }

            @Override
            public Set<String> keys() {
                return keys.keys();
            }

            @Override
            public String description() {
                return keys.description();
            }

            @Override
            public Optional<double[]> ropeFrequencyDivisors() {
                return divisors.get();
            }
        };
    }

    private static Map<String, String> scaling(CheckpointMetadata metadata, long rotary, Diagnostics diagnostics) {
        Map<String, String> attrs = new LinkedHashMap<>();
        boolean ok = new CheckpointMeta(metadata, diagnostics).ropeScaling(SPAN, rotary, attrs);
        assertEquals(ok, !diagnostics.hasErrors(), diagnostics.render());
        return ok ? attrs : null;
    }

    private static String error(CheckpointMetadata metadata, long rotary) {
        Diagnostics diagnostics = new Diagnostics();
        assertEquals(null, scaling(metadata, rotary, diagnostics));
        assertEquals(1, diagnostics.all().size(), diagnostics.render());
        return diagnostics.all().get(0).message();
    }

    @Test
    void ggufDivisorsBecomeTheNodesDivisorsExactly() {
        double[] divisors = {1, 1.0000001, 2.5, 8};
        Map<String, String> attrs = scaling(gguf(() -> Optional.of(divisors)), 8, new Diagnostics());
        assertEquals("divided", attrs.get("scaling"));
        String[] parts = attrs.get("divisors").split(",");
        assertEquals(divisors.length, parts.length);
        for (int i = 0; i < parts.length; i++) {
            assertEquals(divisors[i], Double.parseDouble(parts[i]), 0, "divisor " + i);
        }
    }

    @Test
    void huggingFaceRopeScalingGivesItsOwnScaling() {
        Map<String, String> llama3 = scaling(CheckpointMetadata.of(Map.of("rope_scaling.rope_type", "llama3",
                "rope_scaling.factor", 8.0, "rope_scaling.low_freq_factor", 1.0, "rope_scaling.high_freq_factor", 4.0,
                "rope_scaling.original_max_position_embeddings", 8192L), "config.json"), 128, new Diagnostics());
        assertEquals(Map.of("scaling", "llama3", "factor", "8", "low_freq_factor", "1", "high_freq_factor", "4",
                "original_context", "8192"), llama3);
        Map<String, String> linear = scaling(CheckpointMetadata.of(Map.of("rope_scaling.type", "linear",
                "rope_scaling.factor", 2.5), "config.json"), 128, new Diagnostics());
        assertEquals(Map.of("scaling", "linear", "factor", "2.5"), linear);
        assertEquals(Map.of(), scaling(CheckpointMetadata.of(Map.of("hidden_size", 64L), "config.json"), 128, new Diagnostics()));
        assertEquals(Map.of(), scaling(gguf(Optional::empty), 128, new Diagnostics()));
    }

    @Test
    void badCheckpointsGetOneClearError() {
        assertEquals("rope_freqs.weight of llama31.gguf holds 3 frequency divisors, but RoPE of rotated width 8 takes 4",
                error(gguf(() -> Optional.of(new double[] {1, 2, 3})), 8));
        assertEquals("rope_freqs.weight: RoPE frequency divisor 0 is 0.0, expected a finite number above 0, in x.gguf",
                error(gguf(() -> {
                    throw new WeightException("rope_freqs.weight: RoPE frequency divisor 0 is 0.0, expected a finite number above 0, in x.gguf");
                }), 8));
        assertTrue(error(CheckpointMetadata.of(Map.of("rope_scaling.rope_type", "yarn", "rope_scaling.factor", 4.0),
                "config.json"), 128).startsWith("rope_scaling of config.json is of type the string \"yarn\""));
        assertEquals("rope_scaling.factor is missing from config.json (its rope_scaling needs it)",
                error(CheckpointMetadata.of(Map.of("rope_scaling.rope_type", "llama3"), "config.json"), 128));
        assertEquals("rope_scaling.factor of config.json must be a number above 0, found the number -1",
                error(CheckpointMetadata.of(Map.of("rope_scaling.rope_type", "linear", "rope_scaling.factor", -1L),
                        "config.json"), 128));
        Diagnostics without = new Diagnostics();
        assertFalse(new CheckpointMeta(null, without).ropeScaling(SPAN, 8, new LinkedHashMap<>()));
        assertEquals(1, without.all().size(), without.render());
    }
}
