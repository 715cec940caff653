package dev.attnc.compiler.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate} and {@code perplexity} read a checkpoint whose names differ from the
 * {@code .attn} file's with {@code --weights-prefix} and {@code --weights-map}, as {@code run}
 * does: here samples/gpt2 on a random GPT-2 checkpoint whose every tensor is under {@code gpt.},
 * a prefix no loader strips by itself. The text and the perplexity are checked against the
 * float64 {@link Gpt2Reference} on the unprefixed weights.
 */
class Gpt2WeightNamesTest {
    private static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "a t", "Ġ c", "Ġc at", "Ġ s", "Ġs at",
            "Ġ o", "Ġo n", "Ġ m", "Ġm at");
    private static final RefByteBpe VOCABULARY = new RefByteBpe(MERGES);
    /** d 32, 4 heads, 3 layers, 64 positions, MLP 4 d: as Gpt2SampleTest, whose seed 7 has no near tie in greedy decoding. */
    private static final Gpt2Reference.Config CONFIG =
            new Gpt2Reference.Config(32, 4, 3, 64, VOCABULARY.tokens.size(), 128, 1e-5);
    private static final String PROMPT = "the cat sat on the mat, café";
    private static final int STEPS = 12;

    @TempDir
    Path folder;

    private Map<String, Gpt2Checkpoint.Tensor> weights;

    /** The checkpoint with every name under {@code gpt.}; the path for --weights. */
    private Path prefixedCheckpoint() throws IOException {
        weights = Gpt2Checkpoint.randomWeights(CONFIG, VOCABULARY, false, 7);
        Map<String, Gpt2Checkpoint.Tensor> prefixed = new LinkedHashMap<>();
        weights.forEach((name, tensor) -> prefixed.put("gpt." + name, tensor));
        return Gpt2Checkpoint.write(folder, CONFIG, false, prefixed, VOCABULARY, Gpt2Checkpoint.Layout.PLAIN_F32);
    }

    record Run(int code, String out, String err) {
    }

    private static Run attnc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static String sample() {
        return Repo.path("samples/gpt2/gpt2.attn").toString();
    }

    @Test
    void generateReadsPrefixedNamesWithWeightsPrefix() throws IOException {
        Path checkpoint = prefixedCheckpoint();
        Run plain = attnc("generate", sample(), "--weights", checkpoint.toString(), "--prompt", PROMPT, "--temperature", "0",
                "--steps", "2");
        assertEquals(Main.INPUT_ERRORS, plain.code(), plain.err());
        // Every tensor the file reads is listed at once, a line each, then the hint.
        assertTrue(plain.err().startsWith("attnc: error: "), plain.err());
        assertTrue(plain.err().contains("\n  wte.weight: not found in"), plain.err());
        assertTrue(plain.err().contains("\nnames differ? map them with --weights-prefix FROM=TO"), plain.err());

        Run run = attnc("generate", sample(), "--weights", checkpoint.toString(), "--weights-prefix", "=gpt.",
                "--prompt", PROMPT, "--temperature", "0", "--steps", String.valueOf(STEPS));
        assertEquals(Main.OK, run.code(), run.err());
        List<Integer> expected = new Gpt2Reference(CONFIG, Gpt2Checkpoint.values(weights))
                .greedy(VOCABULARY.encode(PROMPT), STEPS, VOCABULARY.endOfText(), 1e-2);
        assertEquals(PROMPT + VOCABULARY.decode(expected) + "\n", run.out());
    }

    @Test
    void perplexityReadsRenamedTensorsWithWeightsMap() throws IOException {
        Path checkpoint = prefixedCheckpoint();
        // One rule per name, layers as {n}: h.{n}.ln_1.weight = gpt.h.{n}.ln_1.weight.
        Set<String> rules = new LinkedHashSet<>();
        Pattern layer = Pattern.compile("^h\\.\\d+\\.");
        for (String name : weights.keySet()) {
            Matcher matcher = layer.matcher(name);
            String attnName = matcher.find() ? "h.{n}." + name.substring(matcher.end()) : name;
            rules.add(attnName + " = gpt." + attnName);
        }
        Path map = Files.writeString(folder.resolve("names.txt"), "# samples/gpt2 names = this checkpoint's\n"
                + String.join("\n", rules) + "\n");
        String text = "the cat sat on the mat, the cat sat on the mat";
        Path textFile = Files.writeString(folder.resolve("text.txt"), text);
        Run run = attnc("perplexity", sample(), "--weights", checkpoint.toString(), "--weights-map", map.toString(),
                "--text", textFile.toString());
        assertEquals(Main.OK, run.code(), run.err());

        // The reference: exp of the mean negative log-likelihood of each token given those before it (one window).
        int[] ids = VOCABULARY.encode(text);
        double[][] logits = new Gpt2Reference(CONFIG, Gpt2Checkpoint.values(weights)).logits(ids);
        double negativeLogLikelihood = 0;
        for (int at = 0; at + 1 < ids.length; at++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double logit : logits[at]) {
                max = Math.max(max, logit);
            }
            double sum = 0;
            for (double logit : logits[at]) {
                sum += Math.exp(logit - max);
            }
            negativeLogLikelihood -= logits[at][ids[at + 1]] - max - Math.log(sum);
        }
        double expected = Math.exp(negativeLogLikelihood / (ids.length - 1));
        Matcher printed = Pattern.compile("^perplexity (\\S+) over (\\d+) predicted tokens").matcher(run.out());
        assertTrue(printed.find(), run.out());
        assertEquals(ids.length - 1, Integer.parseInt(printed.group(2)), run.out());
        // Printed to 4 decimals from float32 logits: within 1e-3 relative of the float64 reference.
        double actual = Double.parseDouble(printed.group(1));
        assertEquals(expected, actual, 1e-3 * expected, run.out());
    }

    @Test
    void renamingOptionsNeedWeightsAndAReadableMap() throws IOException {
        Path checkpoint = prefixedCheckpoint();
        List<String> args = new ArrayList<>(List.of("generate", sample(), "--weights", checkpoint.toString(), "--weights-map",
                folder.resolve("absent.txt").toString()));
        Run run = attnc(args.toArray(String[]::new));
        assertEquals(Main.USAGE, run.code(), run.err());
        assertTrue(run.err().startsWith("attnc: --weights-map "), run.err());
    }
}
