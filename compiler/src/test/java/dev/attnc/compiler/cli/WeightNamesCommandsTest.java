package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --weights-prefix and --weights-map are one option class shared by every command that loads
 * a checkpoint: run, bench, generate and perplexity (the last two are run on a GPT-2
 * checkpoint in Gpt2WeightNamesTest). bench takes --weights for them to act on.
 */
class WeightNamesCommandsTest {
    @TempDir
    Path dir;

    private static final String MODEL = """
            model Two {
              const D = 8
              dim T <= 16
              input x : [T, D]
              param wq : linear(D, D) from "q"
              param wk : linear(D, D) from "k"
              x = x + wk(wq(x))
              output x
            }
            """;

    private Path checkpoint(String prefix) {
        SplittableRandom random = new SplittableRandom(5);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : List.of("q", "k")) {
            float[] weight = new float[64];
            float[] bias = new float[8];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) random.nextGaussian();
            }
            tensors.put(prefix + name + ".weight", Tensor.floats(weight, 8, 8));
            tensors.put(prefix + name + ".bias", Tensor.floats(bias, 8));
        }
        Path file = dir.resolve("w.safetensors");
        Safetensors.write(file, tensors);
        return file;
    }

    @Test
    void benchTimesACheckpointReadUnderAPrefix() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), MODEL);
        Path weights = checkpoint("model.");
        CliTest.Run missing = CliTest.attnc("bench", model.toString(), "--seq", "4", "--iterations", "1",
                "--weights", weights.toString());
        assertEquals(Main.INPUT_ERRORS, missing.code(), missing.err());
        assertEquals("""
                attnc: error: w.safetensors does not fit model Two: 4 of the 4 tensors it reads are missing
                  q.weight: not found in w.safetensors (did you mean "model.q.weight"?)
                  q.bias: not found in w.safetensors (did you mean "model.q.bias"?)
                  k.weight: not found in w.safetensors (did you mean "model.k.weight"?)
                  k.bias: not found in w.safetensors (did you mean "model.k.bias"?)
                names differ? map them with --weights-prefix FROM=TO or --weights-map FILE instead of editing every `from "..."`
                """, missing.err());

        CliTest.Run bench = CliTest.attnc("bench", model.toString(), "--seq", "4", "--iterations", "1",
                "--weights", weights.toString(), "--weights-prefix", "=model.");
        assertEquals(Main.OK, bench.code(), bench.err());
        assertTrue(bench.out().contains("weights: w.safetensors"), bench.out());
        assertTrue(bench.out().contains("total: median"), bench.out());

        Path map = Files.writeString(dir.resolve("names.txt"), "q.weight = model.q.weight\nq.bias = model.q.bias\n"
                + "k.weight = model.k.weight\nk.bias = model.k.bias\n");
        CliTest.Run mapped = CliTest.attnc("bench", model.toString(), "--seq", "4", "--iterations", "1",
                "--weights", weights.toString(), "--weights-map", map.toString());
        assertEquals(Main.OK, mapped.code(), mapped.err());
    }

    @Test
    void renamingWithoutACheckpointIsAUsageErrorOfEachCommand() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), MODEL);
        CliTest.Run bench = CliTest.attnc("bench", model.toString(), "--weights-prefix", "=model.");
        assertEquals(Main.USAGE, bench.code(), bench.err());
        assertEquals("attnc: --weights-prefix maps names of a checkpoint: it needs --weights\n", bench.err());
        CliTest.Run run = CliTest.attnc("run", model.toString(), "--weights-map", "names.txt");
        assertEquals(Main.USAGE, run.code(), run.err());
        assertEquals("attnc: --weights-map maps names of a checkpoint: it needs --weights\n", run.err());
    }

    @Test
    void everyCheckpointCommandListsBothOptionsInItsHelp() {
        for (String command : List.of("run", "bench", "generate", "perplexity")) {
            CliTest.Run help = CliTest.attnc(command, "--help");
            assertEquals(Main.OK, help.code(), help.err());
            assertTrue(help.out().contains("--weights-prefix=FROM=TO"), command + ":\n" + help.out());
            assertTrue(help.out().contains("--weights-map=FILE"), command + ":\n" + help.out());
        }
    }
}
