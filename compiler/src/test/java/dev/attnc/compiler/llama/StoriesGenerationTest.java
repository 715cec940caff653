package dev.attnc.compiler.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.TensorSpec;
import dev.attnc.compiler.api.Weights;
import dev.attnc.compiler.cli.Main;
import dev.attnc.runtime.DType;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.generate.DecoderTokenModel;
import dev.attnc.runtime.generate.Generator;
import dev.attnc.runtime.generate.Sampler;
import dev.attnc.runtime.generate.TokenModel;
import dev.attnc.runtime.text.Tokenizer;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The acceptance check of a real decoder: samples/llama/llama.attn on the real stories260K files
 * beside the project ({@code ../shared/models}: a GGUF v1 file in F32 and a v2 file in Q8_0),
 * against a reference written in this package from the math and the file format alone
 * ({@link RefGguf}, {@link RefLlama} in float64, {@link RefSentencePiece}), none of it from
 * attnc. Greedy generation through the public API (as {@code attnc generate} drives it) and
 * through the CLI must give the reference's tokens one for one, the prompt's ids must be the
 * reference tokenizer's, and every row of attnc's logits must lie within {@link #TOLERANCE} of
 * the reference's, as max |attnc - reference| over the row's largest |reference|. For the Q8_0
 * file the reference dequantizes the blocks itself, so both sides use the same weights.
 * Skipped, saying which file is missing, when the files are absent.
 */
class StoriesGenerationTest {
    static final String F32 = "stories260K-f32.gguf";
    static final String Q8_0 = "stories260K-q8_0.gguf";
    static final String ONCE = "Once upon a time";
    /** A second prompt, with a character the 512-token vocabulary holds only as bytes. */
    static final String DOG = "Tom saw a big \uD83D\uDC36 at the café";
    static final int STEPS = 48;
    /**
     * attnc computes in float32 (the Q8_0 weights as int8 with their scales); the reference in
     * float64 on the same dequantized weights.
     */
    static final double TOLERANCE = 1e-5;

    /** The reference's greedy generation, computed once per file and prompt. */
    record Reference(int[] prompt, List<Integer> tokens, List<double[]> logits, String text) {
    }

    private static final Map<String, Reference> REFERENCES = new ConcurrentHashMap<>();
    private static final Map<Path, AttnModel> MODELS = new ConcurrentHashMap<>();

    /** {@code shared/models/name} beside the repository; the test is skipped, saying so, without it. */
    static Path model(String name) {
        return dev.attnc.compiler.Repo.sharedModel(name);
    }

    static Reference reference(String file, String prompt) {
        return REFERENCES.computeIfAbsent(file + "\n" + prompt, key -> generate(RefGguf.read(model(file)), prompt, false));
    }

    /** Greedy generation with the float64 reference: the prompt, then the argmax until EOS or {@link #STEPS} tokens. */
    static Reference generate(RefGguf file, String prompt, boolean ropeHalves) {
        RefSentencePiece tokenizer = new RefSentencePiece(file);
        RefLlama llama = new RefLlama(file, ropeHalves);
        int[] ids = tokenizer.encode(prompt);
        llama.reset(ids.length + STEPS);
        double[] logits = null;
        for (int pos = 0; pos < ids.length; pos++) {
            logits = llama.next(ids[pos], pos);
        }
        List<Integer> tokens = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        rows.add(logits);
        while (tokens.size() < STEPS) {
            int next = RefLlama.argmax(logits);
            if (next == tokenizer.eos) {
                break;
            }
            tokens.add(next);
            if (tokens.size() < STEPS) {
                logits = llama.next(next, ids.length + tokens.size() - 1);
                rows.add(logits);
            }
        }
        return new Reference(ids, tokens, rows, tokenizer.decode(tokens));
    }

    /** The sample compiled against the checkpoint's metadata and loaded with its weights, as attnc generate does. */
    record Compiled(WeightSource weights, Decoder decoder, Tokenizer tokenizer, String input, String output) implements AutoCloseable {
        static Compiled open(Path file) {
            WeightSource weights = Weights.open(file);
            AttnModel model = MODELS.computeIfAbsent(file, f -> compile(weights.checkpointMetadata()));
            TensorSpec input = model.inputs().stream().filter(s -> s.dtype() == DType.I32).findFirst().orElseThrow();
            TensorSpec output = model.outputs().stream().filter(s -> s.dtype() == DType.F32 && s.shape().size() == 2)
                    .findFirst().orElseThrow();
            return new Compiled(weights, model.loadDecoder(weights), tokenizer(weights.checkpointMetadata()), input.name(),
                    output.name());
        }

        /** The sample compiled against a checkpoint's metadata (once per file: the tests share it). */
        private static AttnModel compile(CheckpointMetadata metadata) {
            CompileOptions options = new CompileOptions(Backend.JVM, CompileOptions.DEFAULT_PACKAGE, 2048).withCheckpoint(metadata);
            Path source = Repo.path("samples/llama/llama.attn");
            Compilation compilation = dev.attnc.compiler.api.Attnc.check(source.toString(), Repo.read(source), options);
            assertTrue(compilation.ok(), compilation.render());
            AttnModel model = compilation.models().get(0);
            model.modelClass();
            return model;
        }

        static Tokenizer tokenizer(CheckpointMetadata metadata) {
            Map<String, Object> values = new HashMap<>();
            for (String key : metadata.keys()) {
                if (key.startsWith("tokenizer.")) {
                    values.put(key, metadata.value(key).orElseThrow());
                }
            }
            return Tokenizer.fromGgufMetadata(values);
        }

        DecoderTokenModel tokens() {
            return new DecoderTokenModel(decoder, input, output, tokenizer.vocabularySize());
        }

        @Override
        public void close() {
            try {
                decoder.close();
            } finally {
                weights.close();
            }
        }
    }

    /** A token model that keeps every row of logits it hands to the generator. */
    record Recording(TokenModel model, List<float[]> rows) implements TokenModel {
        @Override
        public int vocabularySize() {
            return model.vocabularySize();
        }

        @Override
        public int contextLength() {
            return model.contextLength();
        }

        @Override
        public float[] append(int[] tokens) {
            float[] row = model.append(tokens);
            rows.add(row.clone());
            return row;
        }

        @Override
        public float[][] appendAll(int[] tokens) {
            throw new UnsupportedOperationException("the generator only appends");
        }

        @Override
        public void reset() {
            rows.clear();
            model.reset();
        }
    }

    /** The smallest gap between the best and second-best logit of any row, over that row's largest |logit|. */
    static double narrowestLead(List<double[]> rows) {
        double narrowest = Double.POSITIVE_INFINITY;
        for (double[] row : rows) {
            double first = Double.NEGATIVE_INFINITY;
            double second = Double.NEGATIVE_INFINITY;
            double largest = 0;
            for (double v : row) {
                largest = Math.max(largest, Math.abs(v));
                if (v > first) {
                    second = first;
                    first = v;
                } else if (v > second) {
                    second = v;
                }
            }
            narrowest = Math.min(narrowest, (first - second) / largest);
        }
        return narrowest;
    }

    /** max |actual - expected| over the row's largest |expected|. */
    static double relativeDifference(float[] actual, double[] expected) {
        assertEquals(expected.length, actual.length, "logits per row");
        double largest = 0;
        double difference = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i]));
            difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
        }
        return difference / largest;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        F32 + "|" + ONCE, Q8_0 + "|" + ONCE, F32 + "|" + DOG, Q8_0 + "|" + DOG})
    void greedyGenerationMatchesTheReferenceTokenForToken(String file, String prompt) {
        Reference expected = reference(file, prompt);
        if (prompt.equals(ONCE)) {
            assertTrue(expected.tokens().size() >= 40, "the reference stopped after " + expected.tokens().size() + " tokens");
        }
        try (Compiled attnc = Compiled.open(model(file))) {
            int[] ids = attnc.tokenizer().encode(prompt, attnc.tokenizer().addsBosByDefault());
            assertArrayEquals(expected.prompt(), ids, "prompt token ids of " + prompt);
            Recording recording = new Recording(attnc.tokens(), new ArrayList<>());
            Generator generator = new Generator(recording, new HashSet<>(List.of(attnc.tokenizer().eosId())));
            Generator.Result result = generator.generate(ids, STEPS, Sampler.greedy(), id -> { });
            assertEquals(expected.tokens(), result.tokens(), file + ": generated tokens after \"" + prompt + "\"");
            assertEquals(expected.logits().size(), recording.rows().size(), "rows of logits");
            double worst = 0;
            for (int step = 0; step < recording.rows().size(); step++) {
                double difference = relativeDifference(recording.rows().get(step), expected.logits().get(step));
                assertTrue(difference <= TOLERANCE, file + " step " + step + ": logits differ by " + difference
                        + " of the row's largest, more than " + TOLERANCE);
                worst = Math.max(worst, difference);
            }
            System.out.printf("%s \"%s\": %d tokens match; logits within %.2e of the row's largest;"
                    + " narrowest reference lead of the top token %.2e of the row's largest%n\"%s%s\"%n", file, prompt,
                    result.tokens().size(), worst, narrowestLead(expected.logits()), prompt, expected.text());
        }
    }

    /** The prompt and the generated text in one call (prefill of every row): each row against the reference's. */
    @ParameterizedTest
    @ValueSource(strings = {F32, Q8_0})
    void prefillOfTheWholeStoryMatchesTheReferenceRowByRow(String file) {
        Reference expected = reference(file, ONCE);
        RefGguf gguf = RefGguf.read(model(file));
        RefLlama llama = new RefLlama(gguf, false);
        int[] sequence = new int[expected.prompt().length + expected.tokens().size()];
        System.arraycopy(expected.prompt(), 0, sequence, 0, expected.prompt().length);
        for (int i = 0; i < expected.tokens().size(); i++) {
            sequence[expected.prompt().length + i] = expected.tokens().get(i);
        }
        llama.reset(sequence.length);
        try (Compiled attnc = Compiled.open(model(file))) {
            float[][] rows = attnc.tokens().appendAll(sequence);
            double worst = 0;
            for (int pos = 0; pos < sequence.length; pos++) {
                double difference = relativeDifference(rows[pos], llama.next(sequence[pos], pos));
                assertTrue(difference <= TOLERANCE, file + " position " + pos + ": logits differ by " + difference);
                worst = Math.max(worst, difference);
            }
            System.out.printf("%s prefill of %d tokens: logits within %.2e of the row's largest%n", file, sequence.length, worst);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {F32, Q8_0})
    void cliGenerateAtTemperatureZeroPrintsTheReferenceStory(String file) {
        Reference expected = reference(file, ONCE);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"generate", Repo.path("samples/llama/llama.attn").toString(), "--weights",
            model(file).toString(), "--prompt", ONCE, "--steps", "40", "--temperature", "0"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String story = new RefSentencePiece(RefGguf.read(model(file))).decode(expected.tokens().subList(0, 40));
        assertEquals(ONCE + story + "\n", out.toString());
    }

    /**
     * The comparison tells RoPE layouts apart on this checkpoint: a reference rotating halves
     * (Hugging Face's order) instead of the stored adjacent pairs writes another story, so a
     * compiled model rotating the wrong pairs would fail the tests above.
     */
    @Test
    void rotatingHalvesInsteadOfPairsChangesTheStory() {
        Reference pairs = reference(F32, ONCE);
        Reference halves = generate(RefGguf.read(model(F32)), ONCE, true);
        assertTrue(!pairs.tokens().equals(halves.tokens()), "the same tokens with either RoPE layout: " + halves.text());
    }

    @Test
    void attncsTokenizerGivesTheReferenceIdsOnMoreTexts() {
        RefGguf gguf = RefGguf.read(model(F32));
        RefSentencePiece reference = new RefSentencePiece(gguf);
        List<String> texts = List.of("", "a", "Hello world", "  two  spaces ", "Tom's dog, Max, barked!\nThe end.",
                "naïve façade 日本 \uD83D\uDE00", "1234567890 + = ?", "tab\there");
        try (WeightSource weights = Weights.open(model(F32))) {
            Tokenizer tokenizer = Compiled.tokenizer(weights.checkpointMetadata());
            for (String text : texts) {
                assertArrayEquals(reference.encode(text), tokenizer.encode(text, true), "ids of \"" + text + "\"");
            }
        }
        // The second prompt's dog is not in the vocabulary: it must come out as its four UTF-8 bytes.
        List<String> pieces = new ArrayList<>();
        for (int id : reference.encode(DOG)) {
            pieces.add(reference.tokens.get(id));
        }
        assertTrue(Collections.indexOfSubList(pieces, List.of("<0xF0>", "<0x9F>", "<0x90>", "<0xB6>")) > 0, pieces.toString());
    }
}
