package dev.attnc.compiler.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.compiler.cli.Main;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.generate.DecoderTokenModel;
import dev.attnc.runtime.generate.Generator;
import dev.attnc.runtime.generate.Sampler;
import dev.attnc.runtime.text.Tokenizer;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * samples/llama on the real stories260K files ({@code ../shared/models}) through the TornadoVM
 * backend, its kernels on the JVM stand-in: greedy generation (the prompt prefilled in one call,
 * then a step per token) must give the JVM backend's tokens and the float64 reference's of
 * {@link StoriesGenerationTest}, with every row of logits within its tolerance of the
 * reference's. The Q8_0 file is read as float32 by the TornadoVM backend (dequantized at load).
 * Skipped, naming the missing file, without the files.
 */
class TornadoStoriesTest {

    @ParameterizedTest
    @ValueSource(strings = {StoriesGenerationTest.F32, StoriesGenerationTest.Q8_0})
    void greedyGenerationGivesTheJvmBackendsTokens(String file) {
        StoriesGenerationTest.Reference expected = StoriesGenerationTest.reference(file, StoriesGenerationTest.ONCE);
        try (WeightSource weights = Weights.open(StoriesGenerationTest.model(file))) {
            Tokenizer tokenizer = StoriesGenerationTest.Compiled.tokenizer(weights.checkpointMetadata());
            int[] prompt = tokenizer.encode(StoriesGenerationTest.ONCE, tokenizer.addsBosByDefault());
            assertArrayEquals(expected.prompt(), prompt);
            List<float[]> rows = new ArrayList<>();
            List<Integer> tornado = generate(Backend.TORNADOVM, weights, tokenizer, prompt, rows);
            List<Integer> jvm = generate(Backend.JVM, weights, tokenizer, prompt, new ArrayList<>());
            assertEquals(jvm, tornado, file + ": the TornadoVM backend's tokens against the JVM backend's");
            assertEquals(expected.tokens(), tornado, file + ": the TornadoVM backend's tokens against the reference's");
            double worst = 0;
            for (int step = 0; step < rows.size(); step++) {
                double difference = StoriesGenerationTest.relativeDifference(rows.get(step), expected.logits().get(step));
                assertTrue(difference <= StoriesGenerationTest.TOLERANCE, file + " step " + step + ": logits differ by " + difference);
                worst = Math.max(worst, difference);
            }
            System.out.printf("%s on the TornadoVM backend: %d tokens as the JVM backend's; logits within %.2e of the row's"
                    + " largest%n\"%s%s\"%n", file, tornado.size(), worst, StoriesGenerationTest.ONCE, expected.text());
        }
    }

    /** {@code attnc generate --backend tornadovm} prints the reference's story, and says which backend runs. */
    @Test
    void cliGenerateWithTheTornadoVmBackendPrintsTheReferenceStory() {
        StoriesGenerationTest.Reference expected = StoriesGenerationTest.reference(StoriesGenerationTest.F32, StoriesGenerationTest.ONCE);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"generate", Repo.path("samples/llama/llama.attn").toString(), "--weights",
            StoriesGenerationTest.model(StoriesGenerationTest.F32).toString(), "--prompt", StoriesGenerationTest.ONCE, "--steps", "20",
            "--temperature", "0", "--backend", "tornadovm"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String story = new RefSentencePiece(RefGguf.read(StoriesGenerationTest.model(StoriesGenerationTest.F32)))
                .decode(expected.tokens().subList(0, 20));
        assertEquals(StoriesGenerationTest.ONCE + story + "\n", out.toString());
        assertTrue(err.toString().startsWith("Llama: TornadoVM backend"), err.toString());
    }

    /** With the Q8_0 file, generate says once that the TornadoVM backend dequantizes its matrices, and still tells the story. */
    @Test
    void cliGenerateWithTheTornadoVmBackendNotesDequantizedMatrices() {
        StoriesGenerationTest.Reference expected = StoriesGenerationTest.reference(StoriesGenerationTest.Q8_0, StoriesGenerationTest.ONCE);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"generate", Repo.path("samples/llama/llama.attn").toString(), "--weights",
            StoriesGenerationTest.model(StoriesGenerationTest.Q8_0).toString(), "--prompt", StoriesGenerationTest.ONCE, "--steps", "12",
            "--temperature", "0", "--backend", "tornadovm"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String story = new RefSentencePiece(RefGguf.read(StoriesGenerationTest.model(StoriesGenerationTest.Q8_0)))
                .decode(expected.tokens().subList(0, 12));
        assertEquals(StoriesGenerationTest.ONCE + story + "\n", out.toString());
        String note = "note: stories260K-q8_0.gguf: the TornadoVM backend reads Q8_0 matrices as float32, dequantized as they are"
                + " loaded (the JVM backend keeps them quantized)\n";
        assertTrue(err.toString().contains(note), err.toString());
        assertEquals(err.toString().indexOf(note), err.toString().lastIndexOf(note), "the note once: " + err);
    }

    /** {@code attnc perplexity --backend tornadovm} scores a text as the JVM backend does (printed to 4 decimals). */
    @Test
    void cliPerplexityWithTheTornadoVmBackendIsTheJvmBackends(@TempDir Path folder) throws IOException {
        Path text = folder.resolve("story.txt");
        Files.writeString(text, "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.\n");
        List<String> scores = new ArrayList<>();
        for (String backend : List.of("jvm", "tornadovm")) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(new String[] {"perplexity", Repo.path("samples/llama/llama.attn").toString(), "--weights",
                StoriesGenerationTest.model(StoriesGenerationTest.F32).toString(), "--text", text.toString(), "--backend", backend},
                    new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals(0, code, err.toString());
            assertTrue(out.toString().startsWith("perplexity "), out.toString());
            scores.add(out.toString().split(" ")[1]);
        }
        assertEquals(scores.get(0), scores.get(1), "perplexity on the JVM backend, then on the TornadoVM backend");
    }

    @Test
    void cliGenerateRefusesAnUnknownBackend() {
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"generate", Repo.path("samples/llama/llama.attn").toString(), "--weights",
            StoriesGenerationTest.model(StoriesGenerationTest.F32).toString(), "--backend", "gpu"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(2, code);
        assertEquals("attnc: unknown --backend 'gpu': use jvm or tornadovm\n", err.toString());
    }

    private static List<Integer> generate(Backend backend, WeightSource weights, Tokenizer tokenizer, int[] prompt, List<float[]> rows) {
        AttnModel model = Attnc.compile(Repo.path("samples/llama/llama.attn"),
                CompileOptions.defaults().withBackend(backend).withCheckpoint(weights.checkpointMetadata())).orElseThrow();
        assertEquals(backend == Backend.TORNADOVM, model.javaSource().contains("TaskGraph"), "the class of the " + backend + " backend");
        try (Decoder decoder = model.loadDecoder(weights)) {
            StoriesGenerationTest.Recording recording = new StoriesGenerationTest.Recording(
                    new DecoderTokenModel(decoder, "ids", "logits", tokenizer.vocabularySize()), rows);
            Generator generator = new Generator(recording, new HashSet<>(List.of(tokenizer.eosId())));
            return generator.generate(prompt, StoriesGenerationTest.STEPS, Sampler.greedy(), id -> { }).tokens();
        }
    }
}
