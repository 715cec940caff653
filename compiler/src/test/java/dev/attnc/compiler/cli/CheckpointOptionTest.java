package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --weights} of check, compile and run feeds the checkpoint's metadata to {@code meta(...)}. */
class CheckpointOptionTest {
    @TempDir
    Path dir;

    @Test
    void checkCompileAndRunReadTheConfigBesideTheWeights() throws IOException {
        Path weights = tinyLlama();
        String llama = Repo.path("samples/llama/llama.attn").toString();

        CliTest.Run without = CliTest.attnc("check", llama);
        assertEquals(1, without.code());
        assertTrue(without.err().contains("compiled without a checkpoint: give one with --weights FILE"), without.err());

        CliTest.Run check = CliTest.attnc("check", "--weights", weights.toString(), llama);
        assertEquals(0, check.code(), check.err());

        CliTest.Run compile = CliTest.attnc("compile", "--weights", weights.toString(), "-o", dir.resolve("out").toString(), llama);
        assertEquals(0, compile.code(), compile.err());
        String java = Files.readString(dir.resolve("out/attnc/models/Llama.java"));
        assertTrue(java.contains("public static final int D = 16;"), "sizes from config.json become constants");

        CliTest.Run run = CliTest.attnc("run", "--weights", weights.toString(), "--seq", "5", llama);
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("output logits [5, 24]"), run.out());
    }

    @Test
    void aBrokenConfigIsOneLine() throws IOException {
        Path weights = tinyLlama();
        Files.writeString(weights.resolveSibling("config.json"), "{\"hidden_size\": ");
        CliTest.Run check = CliTest.attnc("check", "--weights", weights.toString(), Repo.path("samples/llama/llama.attn").toString());
        assertEquals(1, check.code());
        assertEquals("attnc: error: config.json: not valid JSON: End of input at line 1 column 17 path $.hidden_size\n", check.err());
    }

    /** A two-layer random Llama in Hugging Face's layout: model.safetensors and config.json. */
    private Path tinyLlama() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 16, \"num_attention_heads\": 2, "
                + "\"num_key_value_heads\": 1, \"num_hidden_layers\": 2, \"intermediate_size\": 32, \"vocab_size\": 24, "
                + "\"rms_norm_eps\": 1e-5, \"rope_theta\": 10000.0, \"tie_word_embeddings\": true}");
        SplittableRandom random = new SplittableRandom(3);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", random(random, 24, 16));
        for (int layer = 0; layer < 2; layer++) {
            String p = "model.layers." + layer + ".";
            tensors.put(p + "input_layernorm.weight", random(random, 16));
            tensors.put(p + "self_attn.q_proj.weight", random(random, 16, 16));
            tensors.put(p + "self_attn.k_proj.weight", random(random, 8, 16));
            tensors.put(p + "self_attn.v_proj.weight", random(random, 8, 16));
            tensors.put(p + "self_attn.o_proj.weight", random(random, 16, 16));
            tensors.put(p + "post_attention_layernorm.weight", random(random, 16));
            tensors.put(p + "mlp.gate_proj.weight", random(random, 32, 16));
            tensors.put(p + "mlp.up_proj.weight", random(random, 32, 16));
            tensors.put(p + "mlp.down_proj.weight", random(random, 16, 32));
        }
        tensors.put("model.norm.weight", random(random, 16));
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors);
        return file;
    }

    private static Tensor random(SplittableRandom random, int... shape) {
        int count = 1;
        for (int d : shape) {
            count *= d;
        }
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        return Tensor.floats(values, shape);
    }
}
