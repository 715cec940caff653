package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Safetensors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnc embed} on any encoder, with a model small enough to check by hand: a .attn file
 * (an embedding table and one two-head attention), its weights as safetensors and a BERT
 * vocab.txt. The embeddings are checked against a float64 reference written here from the
 * math (softmax attention per head, mean over the tokens, L2 normalisation); the inputs come
 * from arguments, a file and standard input; the outputs are JSONL, TSV and the summary.
 */
class EmbedInputsTest {
    static final String[] VOCAB = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "cat"};
    static final int D = 8;

    @TempDir
    Path dir;
    float[] table;
    Path attn;
    Path weights;
    Path vocab;

    @BeforeEach
    void writeModel() throws IOException {
        attn = Files.writeString(dir.resolve("tiny.attn"), """
                model TinyEmbed {
                  const D = 8, V = 7
                  dim T <= 64
                  input input_ids : int[T]
                  input attention_mask : int[T]
                  param emb : embedding(V, D) from "emb"
                  x = emb(input_ids)
                  y = attention(x, x, x, heads = 2) { mask attention_mask[j] != 0 }
                  output y
                }
                """);
        SplittableRandom random = new SplittableRandom(16);
        table = new float[VOCAB.length * D];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) random.nextGaussian();
        }
        weights = dir.resolve("tiny.safetensors");
        Safetensors.write(weights, Map.of("emb.weight", Tensor.floats(table.clone(), VOCAB.length, D)), Map.of());
        vocab = Files.writeString(dir.resolve("vocab.txt"), String.join("\n", VOCAB) + "\n");
    }

    /** The float64 embedding of {@code ids}: two heads of 4, scale 1/2, every key seen; mean; unit length. */
    double[] reference(int... ids) {
        int t = ids.length;
        double[] mean = new double[D];
        for (int i = 0; i < t; i++) {
            for (int h = 0; h < 2; h++) {
                double[] scores = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    double s = 0;
                    for (int d = 0; d < 4; d++) {
                        s += (double) table[ids[i] * D + h * 4 + d] * table[ids[j] * D + h * 4 + d];
                    }
                    scores[j] = s / 2;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < t; j++) {
                    for (int d = 0; d < 4; d++) {
                        mean[h * 4 + d] += scores[j] / sum * table[ids[j] * D + h * 4 + d] / t;
                    }
                }
            }
        }
        double norm = 0;
        for (double v : mean) {
            norm += v * v;
        }
        for (int d = 0; d < D; d++) {
            mean[d] /= Math.sqrt(norm);
        }
        return mean;
    }

    record Run(int code, String out, String err) {
    }

    Run embed(String stdin, String... more) {
        List<String> args = new ArrayList<>(List.of("embed", "--attn", attn.toString(), "--weights", weights.toString(),
                "--tokenizer", vocab.toString()));
        args.addAll(List.of(more));
        InputStream before = System.in;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setIn(before);
        }
    }

    static void assertClose(double[] want, List<Double> got, String what) {
        assertEquals(want.length, got.size(), what);
        for (int d = 0; d < want.length; d++) {
            assertEquals(want[d], got.get(d), 2e-6, what + " value " + d);
        }
    }

    static List<Double> values(String[] fields) {
        List<Double> out = new ArrayList<>();
        for (String f : fields) {
            out.add(Double.parseDouble(f));
        }
        return out;
    }

    @Test
    void aFileToJsonLinesInTheInputsOrder() throws IOException {
        // CRLF, a byte-order mark, an empty line, and lengths out of order (they run shortest first).
        Path file = Files.write(dir.resolve("in.txt"),
                "\uFEFFhello world cat hello\r\nCat\n\nhello\u001b[2J world".getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("out.jsonl");
        Run run = embed("", "--file", file.toString(), "--out", out.toString());
        assertEquals(Main.OK, run.code(), run.err());
        assertTrue(run.out().contains("wrote 4 embeddings to " + out), run.out());
        assertTrue(run.out().contains("tokenizer: vocab.txt; embeddings: L2-normalised mean of the token vectors"), run.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        int[][] ids = {{2, 4, 5, 6, 4, 3}, {2, 6, 3}, {2, 3}, {2, 4, 1, 1, 5, 3}}; // "[" and "2j" are unknown
        String[] texts = {"hello world cat hello", "Cat", "", "hello\u001b[2J world"};
        for (int s = 0; s < 4; s++) {
            JsonObject line = JsonParser.parseString(lines.get(s)).getAsJsonObject();
            assertEquals(s, line.get("index").getAsInt());
            assertEquals(texts[s], line.get("text").getAsString(), "the text, as it was (control characters escaped in JSON)");
            assertEquals(ids[s].length, line.get("tokens").getAsInt());
            List<Double> got = new ArrayList<>();
            line.getAsJsonArray("embedding").forEach(v -> got.add(v.getAsDouble()));
            assertClose(reference(ids[s]), got, "sentence " + s);
        }
        assertFalse(Files.readString(out).contains("\u001b"), "ESC is written as \\u001b");
    }

    @Test
    void standardInputToTsvOnStandardOutputAndTheSummaryOnStderr() {
        Run run = embed("hello\ncat world\n", "--stdin", "--format", "tsv");
        assertEquals(Main.OK, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size(), run.out());
        assertClose(reference(2, 4, 3), values(lines.get(0).split("\t")), "hello");
        assertClose(reference(2, 6, 5, 3), values(lines.get(1).split("\t")), "cat world");
        assertTrue(run.err().contains("model TinyEmbed from "), run.err());
        assertTrue(run.err().contains("time: "), run.err());
        // A single "-" is standard input too, and --file - as well.
        assertEquals(run.out(), embed("hello\ncat world", "-", "--format", "tsv").out());
        assertEquals(run.out(), embed("hello\ncat world\n", "--file", "-", "--format", "tsv").out());
    }

    @Test
    void jsonOnStandardOutputIsAsciiAndTerminalSafe() {
        Run run = embed("caf\u00e9 \u202e\u009b2J\n", "-", "--format", "jsonl");
        assertEquals(Main.OK, run.code(), run.err());
        assertTrue(run.out().startsWith("{\"index\":0,\"text\":\"caf\\u00e9 \\u202e\\u009b2J\",\"tokens\":"),
                run.out());
        assertTrue(run.out().chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '\n'), run.out());
    }

    @Test
    void summaryShowsSentencesEscapedAndTheMatrixOnlyWhenAsked() {
        Run plain = embed("", "hello\u001b]0;x\u0007", "cat");
        assertEquals(Main.OK, plain.code(), plain.err());
        assertTrue(plain.out().contains("1: \"hello\\x1b]0;x\\x07\" ("), plain.out());
        assertFalse(plain.out().contains("cosine similarity"), plain.out());
        assertFalse(plain.out().contains("\u001b"), plain.out());
        Run asked = embed("", "hello", "cat", "--similarity");
        assertTrue(asked.out().contains("cosine similarity:\n             1         2\n   1  1.000000"), asked.out());
        double[] a = reference(2, 4, 3);
        double[] b = reference(2, 6, 3);
        double dot = 0;
        for (int d = 0; d < D; d++) {
            dot += a[d] * b[d];
        }
        assertTrue(asked.out().contains(String.format(java.util.Locale.ROOT, "   2%10.6f  1.000000", dot)), asked.out());
    }

    @Test
    void progressIsPlainLinesWhenStderrIsNotATerminal() {
        String many = "hello\n".repeat(150);
        Run run = embed(many, "--stdin", "--format", "tsv", "--progress", "lines");
        assertEquals(Main.OK, run.code(), run.err());
        assertEquals(150, run.out().lines().count());
        // Standard input has no known total: a line every 1000 sentences, so none for 150.
        assertFalse(run.err().contains("attnc: embedded"), run.err());
        Path file = dir.resolve("many.txt");
        try {
            Files.writeString(file, many);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Run counted = embed("", "--file", file.toString(), "--format", "tsv");
        List<String> progress = counted.err().lines().filter(l -> l.startsWith("attnc: embedded ")).toList();
        assertEquals(10, progress.size(), counted.err());
        assertTrue(progress.get(0).startsWith("attnc: embedded 15 of 150 sentences (10%)"), progress.get(0));
        assertTrue(progress.get(9).startsWith("attnc: embedded 150 of 150 sentences (100%)"), progress.get(9));
        assertEquals(0, embed("", "--file", file.toString(), "--format", "tsv", "--progress", "none").err().lines()
                .filter(l -> l.startsWith("attnc: embedded")).count());
        assertFalse(counted.err().contains("\r"), "no bar redrawn when stderr is not a terminal");
    }

    @Test
    void clsPoolingAndNoNormalising() {
        Run run = embed("", "hello world", "--pooling", "cls", "--no-normalize", "--format", "tsv");
        assertEquals(Main.OK, run.code(), run.err());
        // The first token's row of the attention output, computed here for [CLS] hello world [SEP].
        int[] ids = {2, 4, 5, 3};
        double[] want = new double[D];
        for (int h = 0; h < 2; h++) {
            double[] scores = new double[4];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 4; j++) {
                for (int d = 0; d < 4; d++) {
                    scores[j] += (double) table[ids[0] * D + h * 4 + d] * table[ids[j] * D + h * 4 + d] / 2;
                }
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                scores[j] = Math.exp(scores[j] - max);
                sum += scores[j];
            }
            for (int j = 0; j < 4; j++) {
                for (int d = 0; d < 4; d++) {
                    want[h * 4 + d] += scores[j] / sum * table[ids[j] * D + h * 4 + d];
                }
            }
        }
        assertClose(want, values(run.out().strip().split("\t")), "CLS");
    }

    @Test
    void mistakesAreOneLineAndCostNothing() throws IOException {
        Run none = embed("");
        assertEquals(Main.USAGE, none.code());
        assertTrue(none.err().startsWith("attnc: no sentences: give them as arguments, with --file FILE"), none.err());
        Run two = embed("", "hi", "--stdin");
        assertEquals(Main.USAGE, two.code());
        assertTrue(two.err().startsWith("attnc: give the sentences one way"), two.err());
        Run simOnStdout = embed("", "hi", "--format", "jsonl", "--similarity");
        assertEquals(Main.USAGE, simOnStdout.code());
        assertTrue(simOnStdout.err().startsWith("attnc: --similarity prints a matrix on standard output"), simOnStdout.err());
        Run badFormat = embed("", "hi", "--format", "csv");
        assertTrue(badFormat.err().startsWith("attnc: --format takes text, jsonl, tsv or safetensors"), badFormat.err());
        Run badPooling = embed("", "hi", "--pooling", "max");
        assertEquals(Main.USAGE, badPooling.code());
        Run missing = embed("", "--file", dir.resolve("none.txt").toString());
        assertEquals(Main.USAGE, missing.code());
        // A line past the limit: exit 1, the file and line named, no output file left.
        Path huge = dir.resolve("huge.txt");
        Files.writeString(huge, "hello\n" + "a".repeat(EmbedInput.MAX_LINE_CHARS + 1) + "\n");
        Path out = dir.resolve("o.jsonl");
        Run tooLong = embed("", "--file", huge.toString(), "--out", out.toString());
        assertEquals(Main.INPUT_ERRORS, tooLong.code(), tooLong.err());
        assertTrue(tooLong.err().contains("attnc: error: " + huge + ":2: a line of more than 1048576 characters"), tooLong.err());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("o.jsonl")), "nothing written");
        }
        // An empty input is no error: an empty output and a note.
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        Run nothing = embed("", "--file", empty.toString(), "--format", "jsonl");
        assertEquals(Main.OK, nothing.code(), nothing.err());
        assertEquals("", nothing.out());
        assertTrue(nothing.err().contains("attnc: note: no sentences in " + empty), nothing.err());
    }

    @Test
    void aVocabTxtNeedsBertsSpecialTokens() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad-vocab.txt"), "[PAD]\n[UNK]\nhello\n");
        List<String> args = new ArrayList<>(List.of("embed", "--attn", attn.toString(), "--weights", weights.toString(),
                "--tokenizer", bad.toString(), "hi"));
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(Main.INPUT_ERRORS, code);
        assertEquals("attnc: error: bad-vocab.txt: no [CLS] token; is this a BERT vocab.txt?", err.toString().strip());
    }
}
