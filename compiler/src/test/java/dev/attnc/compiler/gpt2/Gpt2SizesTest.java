package dev.attnc.compiler.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * samples/gpt2 at the released sizes, from the keys of GPT-2 small's and medium's config.json
 * (no weights): every size comes from the file, all layers are there, and the generated class
 * compiles at full size. Without a checkpoint the file does not check, and says why.
 */
class Gpt2SizesTest {
    private static final Path SAMPLE = Repo.path("samples/gpt2/gpt2.attn");

    /** The keys meta reads, as openai-community/gpt2 and gpt2-medium's config.json give them (n_inner is null there). */
    private static CheckpointMetadata released(long embd, long heads, long layers) {
        return CheckpointMetadata.of(Map.of("model_type", "gpt2", "activation_function", "gelu_new", "n_embd", embd,
                "n_head", heads, "n_layer", layers, "n_positions", 1024L, "n_ctx", 1024L, "vocab_size", 50257L,
                "layer_norm_epsilon", 1e-5, "eos_token_id", 50256L), "config.json");
    }

    private static AttnModel check(CheckpointMetadata metadata) {
        Compilation compilation = Attnc.check(SAMPLE.toString(), Repo.read(SAMPLE), CompileOptions.defaults().withCheckpoint(metadata));
        assertEquals("", compilation.render());
        return compilation.models().get(0);
    }

    @Test
    void gpt2SmallAllTwelveLayers() {
        AttnModel model = check(released(768, 12, 12));
        Map<String, Number> c = model.constants();
        assertEquals(List.of(768L, 12L, 12L, 1024L, 50257L, 3072L),
                List.of(c.get("D"), c.get("H"), c.get("L"), c.get("P"), c.get("V"), c.get("F")).stream()
                        .map(Number::longValue).toList());
        assertEquals(1e-5, c.get("EPS").doubleValue());
        assertEquals(Optional.of(1024L), model.dims().get("T"), "the caches hold n_positions");
        List<String> names = model.weightNames();
        for (String name : List.of("wte.weight", "wpe.weight", "h.{layer}.ln_1.weight", "h.{layer}.ln_1.bias",
                "h.{layer}.attn.c_attn.weight", "h.{layer}.attn.c_attn.bias", "h.{layer}.attn.c_proj.weight",
                "h.{layer}.ln_2.bias", "h.{layer}.mlp.c_fc.weight", "h.{layer}.mlp.c_proj.bias", "ln_f.weight", "ln_f.bias")) {
            assertTrue(names.contains(name), name + " in " + names);
        }
        model.modelClass();
    }

    @Test
    void gpt2MediumFromItsOwnKeys() {
        Map<String, Number> c = check(released(1024, 16, 24)).constants();
        assertEquals(List.of(1024L, 16L, 24L, 4096L), List.of(c.get("D"), c.get("H"), c.get("L"), c.get("F")).stream()
                .map(Number::longValue).toList());
    }

    @Test
    void withoutACheckpointItSaysWhy() {
        Compilation compilation = Attnc.check(SAMPLE.toString(), Repo.read(SAMPLE), CompileOptions.defaults());
        assertTrue(compilation.render().contains("compiled without a checkpoint"), compilation.render());
    }
}
