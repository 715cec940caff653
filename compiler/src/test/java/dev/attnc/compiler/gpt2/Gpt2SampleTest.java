package dev.attnc.compiler.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.compiler.cli.Main;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.generate.DecoderTokenModel;
import dev.attnc.runtime.generate.Generator;
import dev.attnc.runtime.generate.Sampler;
import dev.attnc.runtime.text.ByteLevelBpeTokenizer;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * samples/gpt2/gpt2.attn compiled against small random GPT-2 checkpoints written in Hugging
 * Face's layout ({@link Gpt2Checkpoint}: config.json, Conv1D weights [in, out], plain or
 * {@code transformer.}-prefixed names, F32 or BF16, one file or two shards), nobody typing a
 * size. Logits, from forward and from step-by-step decoding over the KV cache, are checked
 * against {@link Gpt2Reference}, a float64 GPT-2 written from the math; attnc computes in
 * float32, so they must agree within {@link #TOLERANCE} of the largest logit's magnitude. Then
 * {@code attnc generate} at temperature 0, with the tokenizer.json beside the weights, must
 * print the reference's greedy tokens, and stop at config.json's eos_token_id.
 */
class Gpt2SampleTest {
    /** Max |attnc - reference| over max(1, largest |reference logit|). */
    private static final double TOLERANCE = 2e-4;
    /** A bit more than a byte vocabulary: the words of the prompt get merges. */
    private static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "a t", "Ġ c", "Ġc at", "Ġ s", "Ġs at",
            "Ġ o", "Ġo n", "Ġ m", "Ġm at");
    private static final String PROMPT = "the cat sat on the mat, café";
    private static final int STEPS = 24;
    private static final RefByteBpe VOCABULARY = new RefByteBpe(MERGES);
    /** d 32, 4 heads, 3 layers, 64 positions, the vocabulary above (269), MLP 4 d, eps 1e-5. */
    private static final Gpt2Reference.Config CONFIG =
            new Gpt2Reference.Config(32, 4, 3, 64, VOCABULARY.tokens.size(), 128, 1e-5);
    /** The sharded layout gives n_inner (48) instead of leaving it null. */
    private static final Gpt2Reference.Config NARROW_MLP =
            new Gpt2Reference.Config(32, 4, 3, 64, VOCABULARY.tokens.size(), 48, 1e-5);

    @TempDir
    Path folder;

    private static Gpt2Reference.Config config(Gpt2Checkpoint.Layout layout) {
        return layout == Gpt2Checkpoint.Layout.PREFIXED_SHARDED ? NARROW_MLP : CONFIG;
    }

    private Path write(Gpt2Checkpoint.Layout layout, Map<String, Gpt2Checkpoint.Tensor> weights) throws IOException {
        return Gpt2Checkpoint.write(folder, config(layout), layout == Gpt2Checkpoint.Layout.PREFIXED_SHARDED, weights,
                VOCABULARY, layout);
    }

    private static AttnModel compile(WeightSource weights) {
        return Attnc.compile(Repo.path("samples/gpt2/gpt2.attn"),
                CompileOptions.defaults().withCheckpoint(weights.checkpointMetadata())).orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(Gpt2Checkpoint.Layout.class)
    void logitsMatchTheReference(Gpt2Checkpoint.Layout layout) throws IOException {
        Gpt2Reference.Config c = config(layout);
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(c, VOCABULARY, layout.bf16(), 21 + layout.ordinal());
        int[] ids = VOCABULARY.encode(PROMPT);
        double[][] expected = new Gpt2Reference(c, Gpt2Checkpoint.values(weights)).logits(ids);

        try (WeightSource source = Weights.open(write(layout, weights))) {
            AttnModel model = compile(source);
            assertEquals(c.d(), model.constants().get("D").intValue());
            assertEquals(c.layers(), model.constants().get("L").intValue());
            assertEquals(c.vocab(), model.constants().get("V").intValue());
            assertEquals(c.inner(), model.constants().get("F").intValue());
            try (Decoder decoder = model.loadDecoder(source)) {
                float[] whole = decoder.forward(Map.of("ids", Tensor.ints(ids, ids.length))).get("logits").floatData();
                double scale = compare(expected, whole, 0, ids.length, layout + " forward");
                decoder.reset();
                for (int t = 0; t < ids.length; t++) {
                    float[] row = decoder.step(Map.of("ids", Tensor.ints(new int[] {ids[t]}, 1))).get("logits").floatData();
                    compare(expected, row, t, t + 1, layout + " step " + t);
                }
                assertEquals(ids.length, decoder.cachedPositions());
                System.out.printf("%s: %d positions, logits of scale %.3g match the float64 reference%n", layout, ids.length,
                        scale);
            }
        }
    }

    private static List<Integer> greedy(Gpt2Reference reference, int[] prompt) {
        // A near tie would let float32 rounding pick the other token: the seed is chosen so none is.
        return reference.greedy(prompt, STEPS, VOCABULARY.endOfText(), 1e-2);
    }

    @Test
    void generateAtTemperatureZeroGivesTheReferenceTokens() throws IOException {
        Gpt2Checkpoint.Layout layout = Gpt2Checkpoint.Layout.PLAIN_F32;
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(CONFIG, VOCABULARY, false, 7);
        Path checkpoint = write(layout, weights);
        int[] prompt = VOCABULARY.encode(PROMPT);
        List<Integer> expected = greedy(new Gpt2Reference(CONFIG, Gpt2Checkpoint.values(weights)), prompt);
        assertEquals(STEPS, expected.size(), "the reference stopped early: " + expected);
        String text = VOCABULARY.decode(expected);
        System.out.printf("reference greedy text: \"%s\"%n", text);

        // Through the public API, as generate drives it: the tokenizer.json's ids, then the tokens.
        ByteLevelBpeTokenizer tokenizer = ByteLevelBpeTokenizer.fromTokenizerJson(folder.resolve("tokenizer.json"));
        assertArrayEquals(prompt, tokenizer.encode(PROMPT, false), "prompt ids");
        assertEquals(PROMPT, tokenizer.decode(prompt));
        try (WeightSource source = Weights.open(checkpoint);
                Decoder decoder = compile(source).loadDecoder(source)) {
            DecoderTokenModel tokens = new DecoderTokenModel(decoder, "ids", "logits", tokenizer.vocabularySize());
            Generator.Result result = new Generator(tokens, Set.of(VOCABULARY.endOfText()))
                    .generate(prompt, STEPS, Sampler.of(0, 0, 1, 1), id -> { });
            assertEquals(expected, result.tokens());
        }

        // Through the command line: the prompt, then the reference's text.
        Run run = generate(checkpoint, "--steps", String.valueOf(STEPS));
        assertEquals(0, run.code(), run.err());
        assertEquals(PROMPT + text + "\n", run.out());
        assertTrue(run.err().contains("stopped by --steps"), run.err());
    }

    /**
     * config.json's eos_token_id ends generation, as Hugging Face's generate ends it: here set to
     * the reference's first new token that did not come before at step 3 or later, so the text
     * stops just before it.
     */
    @Test
    void generateStopsAtConfigJsonsEndOfSequence() throws IOException {
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(CONFIG, VOCABULARY, false, 7);
        Path checkpoint = write(Gpt2Checkpoint.Layout.PLAIN_F32, weights);
        List<Integer> expected = greedy(new Gpt2Reference(CONFIG, Gpt2Checkpoint.values(weights)), VOCABULARY.encode(PROMPT));
        int stop = 3;
        while (expected.subList(0, stop).contains(expected.get(stop))) {
            stop++;
        }
        String config = Files.readString(folder.resolve("config.json"));
        Files.writeString(folder.resolve("config.json"), config.replace("\"eos_token_id\": " + VOCABULARY.endOfText(),
                "\"eos_token_id\": " + expected.get(stop)));
        Run run = generate(checkpoint, "--steps", String.valueOf(STEPS));
        assertEquals(0, run.code(), run.err());
        assertEquals(PROMPT + VOCABULARY.decode(expected.subList(0, stop)) + "\n", run.out());
        assertTrue(run.err().contains("stopped by the end-of-sequence token"), run.err());
    }

    @Test
    void anEndOfSequenceOutsideTheVocabularyIsAnInputError() throws IOException {
        Path checkpoint = write(Gpt2Checkpoint.Layout.PLAIN_F32, Gpt2Checkpoint.randomWeights(CONFIG, VOCABULARY, false, 7));
        String config = Files.readString(folder.resolve("config.json"));
        for (String bad : List.of("269", "[268, -1]", "\"eos\"")) {
            Files.writeString(folder.resolve("config.json"), config.replace("\"eos_token_id\": " + VOCABULARY.endOfText(),
                    "\"eos_token_id\": " + bad));
            Run run = generate(checkpoint, "--steps", "2");
            assertEquals(1, run.code(), run.err());
            assertEquals("", run.out());
            assertTrue(run.err().contains("config.json: eos_token_id is "), run.err());
            assertTrue(run.err().contains("not ids within the vocabulary of 269 tokens"), run.err());
        }
    }

    /** A checkpoint or tokenizer.json that cannot be read is an error in the input: one line, exit 1, nothing printed. */
    @Test
    void unreadableTokenizerJsonOrMissingTensorIsAnInputError() throws IOException {
        Map<String, Gpt2Checkpoint.Tensor> weights = Gpt2Checkpoint.randomWeights(CONFIG, VOCABULARY, false, 7);
        Path checkpoint = write(Gpt2Checkpoint.Layout.PLAIN_F32, weights);
        String tokenizer = Files.readString(folder.resolve("tokenizer.json"));
        Files.writeString(folder.resolve("tokenizer.json"), tokenizer.substring(0, tokenizer.length() / 2));
        Run run = generate(checkpoint, "--steps", "2");
        assertEquals(1, run.code(), run.err());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("attnc: error: tokenizer.json: not valid JSON"), run.err());

        Files.writeString(folder.resolve("tokenizer.json"), tokenizer);
        weights.remove("h.2.mlp.c_fc.bias");
        Gpt2Checkpoint.writeSafetensors(folder.resolve("model.safetensors"), weights, false);
        run = generate(checkpoint, "--steps", "2");
        assertEquals(1, run.code(), run.err());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("attnc: error: ") && run.err().contains("h.2.mlp.c_fc.bias"), run.err());
        assertTrue(!run.err().contains("internal error"), run.err());
    }

    record Run(int code, String out, String err) {
    }

    private static Run generate(Path checkpoint, String... more) {
        return generateWithPrompt(checkpoint, PROMPT, more);
    }

    /** attnc generate on samples/gpt2 at temperature 0. */
    static Run generateWithPrompt(Path checkpoint, String prompt, String... more) {
        List<String> args = new ArrayList<>(List.of("generate", Repo.path("samples/gpt2/gpt2.attn").toString(), "--weights",
                checkpoint.toString(), "--prompt", prompt, "--temperature", "0"));
        args.addAll(List.of(more));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Compares rows from..to of the reference with {@code actual}; returns the reference's scale. */
    private static double compare(double[][] expected, float[] actual, int from, int to, String what) {
        int vocab = expected[0].length;
        assertEquals((to - from) * vocab, actual.length, what + ": logits size");
        double scale = 0;
        for (double[] row : expected) {
            for (double value : row) {
                scale = Math.max(scale, Math.abs(value));
            }
        }
        double error = 0;
        for (int r = from; r < to; r++) {
            for (int v = 0; v < vocab; v++) {
                error = Math.max(error, Math.abs(actual[(r - from) * vocab + v] - expected[r][v]));
            }
        }
        assertTrue(error <= TOLERANCE * Math.max(1, scale), what + ": max abs error " + error + " at scale " + scale);
        return scale;
    }
}
