package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Safetensors;
import dev.attnc.runtime.weights.SafetensorsFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attnc run and compile, as a user types them. */
class RunCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsASampleAndSummarises() {
        CliTest.Run run = CliTest.attnc("run", Repo.path("samples/llama_block/llama_block.attn").toString(), "--seq", "8");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("model LlamaBlock from "), run.out());
        assertTrue(run.out().contains("weights: random weights (seed 42)"), run.out());
        assertTrue(run.out().contains("input x [8, 576]: "), run.out());
        assertTrue(run.out().contains("output x [8, 576]: min "), run.out());
        assertTrue(run.out().contains("time: "), run.out());
    }

    @Test
    void readsInputsAndWritesOutputs() throws IOException {
        Path inputs = dir.resolve("in.safetensors");
        int[] ids = {101, 7592, 2088, 102};
        Safetensors.write(inputs, Map.of("input_ids", Tensor.ints(ids, 4), "token_type_ids", Tensor.ints(new int[4], 4),
                "attention_mask", Tensor.ints(new int[] {1, 1, 1, 1}, 4)));
        Path out = dir.resolve("out.safetensors");
        CliTest.Run run = CliTest.attnc("run", Repo.path("samples/minilm/minilm.attn").toString(),
                "--inputs", inputs.toString(), "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        try (SafetensorsFile file = SafetensorsFile.open(out)) {
            assertEquals(4 * 384, file.tensor("x").size());
        }
    }

    @Test
    void dumpsOneHeatmapPerHead() throws IOException {
        Path maps = dir.resolve("maps");
        CliTest.Run run = CliTest.attnc("run", Repo.path("samples/alibi/alibi.attn").toString(), "--seq", "12",
                "--dump-attention", maps.toString());
        assertEquals(0, run.code(), run.err());
        try (Stream<Path> files = Files.list(maps)) {
            assertEquals(16, files.count(), "one map per head of the one attention");
        }
        BufferedImage image = ImageIO.read(maps.resolve("a_layer0_head00.png").toFile());
        assertTrue(image.getWidth() > 12 && image.getHeight() > 12);
        // Zero-padded, so that a file list sorts heads in order (head10 after head09, not after head1).
        try (Stream<Path> files = Files.list(maps)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals("a_layer0_head09.png", names.get(9));
            assertEquals("a_layer0_head15.png", names.get(15));
        }
    }

    @Test
    void badWeightsAndInputsAreInputErrors() throws IOException {
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[3]);
        CliTest.Run weights = CliTest.attnc("run", Repo.path("samples/llama_block/llama_block.attn").toString(),
                "--weights", empty.toString());
        assertEquals(1, weights.code());
        assertEquals("attnc: error: empty.safetensors: file is 3 bytes, too short for a safetensors file (at least 8)\n",
                weights.err());

        Path inputs = dir.resolve("wrong.safetensors");
        Safetensors.write(inputs, Map.of("y", Tensor.floats(new float[576], 1, 576)));
        CliTest.Run wrong = CliTest.attnc("run", Repo.path("samples/llama_block/llama_block.attn").toString(),
                "--inputs", inputs.toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().startsWith("attnc: error: " + inputs + " has no tensor `x`"), wrong.err());
    }

    @Test
    void compileWritesSourcesAndDumpsTheGraph() throws IOException {
        CliTest.Run run = CliTest.attnc("compile", Repo.path("samples/gpt2_block/gpt2_block.attn").toString(),
                "-o", dir.toString(), "--package", "my.models");
        assertEquals(0, run.code(), run.err());
        Path written = dir.resolve("my/models/Gpt2Block.java");
        assertTrue(Files.readString(written).startsWith("package my.models;"));

        CliTest.Run dump = CliTest.attnc("compile", Repo.path("samples/gpt2_block/gpt2_block.attn").toString(),
                "--dump-ir=fuse-bias-activation");
        assertEquals(0, dump.code(), dump.err());
        assertTrue(dump.out().contains("// Gpt2Block after fuse-bias-activation"), dump.out());
        assertTrue(dump.out().contains("activation=gelu_tanh"), dump.out());

        CliTest.Run unknown = CliTest.attnc("compile", Repo.path("samples/gpt2_block/gpt2_block.attn").toString(),
                "--dump-ir=nope");
        assertEquals(2, unknown.code());
    }
}
