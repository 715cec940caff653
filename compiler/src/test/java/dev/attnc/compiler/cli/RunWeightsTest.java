package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** {@code run --weights}: names mapped without editing the file, and every broken tensor reported at once. */
class RunWeightsTest {
    @TempDir
    Path dir;

    private static final String TWO_LAYERS = """
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

    private Path checkpoint(String prefix, int kRows) {
        SplittableRandom random = new SplittableRandom(11);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(prefix + "q.weight", Tensor.floats(random(random, 64), 8, 8));
        tensors.put(prefix + "q.bias", Tensor.floats(random(random, 8), 8));
        tensors.put(prefix + "k.weight", Tensor.floats(random(random, kRows * 8), kRows, 8));
        tensors.put(prefix + "k.bias", Tensor.floats(random(random, 8), 8));
        Path file = dir.resolve("w.safetensors");
        Safetensors.write(file, tensors);
        return file;
    }

    private static float[] random(SplittableRandom random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void everyMissingOrMismatchedTensorIsReportedAtOnce() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), TWO_LAYERS);
        Path weights = checkpoint("model.", 4);
        CliTest.Run run = CliTest.attnc("run", model.toString(), "--weights", weights.toString());
        assertEquals(Main.INPUT_ERRORS, run.code(), run.err());
        assertEquals("""
                attnc: error: w.safetensors does not fit model Two: 4 of the 4 tensors it reads are missing
                  q.weight: not found in w.safetensors (did you mean "model.q.weight"?)
                  q.bias: not found in w.safetensors (did you mean "model.q.bias"?)
                  k.weight: not found in w.safetensors (did you mean "model.k.weight"?)
                  k.bias: not found in w.safetensors (did you mean "model.k.bias"?)
                names differ? map them with --weights-prefix FROM=TO or --weights-map FILE instead of editing every `from "..."`
                """, run.err());
        // With the prefix the names are found, and the one tensor of another shape is what is left.
        CliTest.Run prefixed = CliTest.attnc("run", model.toString(), "--weights", weights.toString(), "--weights-prefix", "=model.");
        assertEquals(Main.INPUT_ERRORS, prefixed.code(), prefixed.err());
        assertEquals("""
                attnc: error: k.weight (model.k.weight by --weights-prefix =model.): model.k.weight: expected [8, 8], found [4, 8] in w.safetensors
                """, prefixed.err(), "one problem: the source's own message, one line");
    }

    @Test
    void aPrefixOrAMappingFileLoadsACheckpointWithOtherNames() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), TWO_LAYERS);
        Path weights = checkpoint("transformer.", 8);
        CliTest.Run prefixed = CliTest.attnc("run", model.toString(), "--weights", weights.toString(),
                "--weights-prefix", "transformer.");
        assertEquals(Main.OK, prefixed.code(), prefixed.err());
        assertTrue(prefixed.out().contains("weights: w.safetensors"), prefixed.out());
        Path map = Files.writeString(dir.resolve("two.map"), """
                # .attn name = checkpoint name; the biases by the prefix
                q.weight = transformer.q.weight
                k.weight = transformer.k.weight
                """);
        CliTest.Run mapped = CliTest.attnc("run", model.toString(), "--weights", weights.toString(),
                "--weights-map", map.toString(), "--weights-prefix", "transformer.");
        assertEquals(Main.OK, mapped.code(), mapped.err());
        // The same outputs either way: the same tensors were read.
        assertEquals(outputLines(prefixed.out()), outputLines(mapped.out()));
    }

    private static String outputLines(String out) {
        return out.lines().filter(l -> l.startsWith("output ")).reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void renamingWithoutACheckpointIsAUsageError() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), TWO_LAYERS);
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--weights-prefix", "x."), Main.USAGE,
                "attnc: --weights-prefix maps names of a checkpoint: it needs --weights");
    }

    @Test
    void aMalformedMappingFileNamesItsLine() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), TWO_LAYERS);
        Path weights = checkpoint("", 8);
        Path map = Files.writeString(dir.resolve("bad.map"), "q.weight = a\nk.weight b\n");
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--weights", weights.toString(), "--weights-map", map.toString()),
                Main.INPUT_ERRORS, "attnc: error: bad.map:2: expected ATTN_NAME = CHECKPOINT_NAME, found: k.weight b");
    }
}
