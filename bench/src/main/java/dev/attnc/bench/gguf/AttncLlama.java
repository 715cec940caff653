package dev.attnc.bench.gguf;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.TensorSpec;
import dev.attnc.runtime.DType;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.generate.TokenModel;
import dev.attnc.runtime.weights.CheckpointMetadata;
import dev.attnc.runtime.weights.WeightSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * attnc's side of {@link DecodeBench}: {@code samples/llama/llama.attn} compiled for a GGUF file
 * and driven one token at a time, as a {@link TokenModel}.
 *
 * <p>Written before the pieces it needs were on main, against what main has: the public
 * compiler API, {@link WeightSource}, and the {@code forward}/{@code step}/{@code reset} every
 * generated model with a KV cache has. The two pieces still missing are found by name:
 *
 * <ul>
 *   <li>the sample {@value #SAMPLE} (the shaded jar's resource, or the file under {@code attnc.root});
 *   <li>a GGUF reader {@value #READER} with a {@code static open(Path)} returning a
 *       {@link WeightSource}.
 * </ul>
 *
 * <p>INTEGRATOR: once both are on main, replace {@link #openWeights} and {@link #options} by
 * direct calls (and {@link Stepping} by the public decoder interface if models implement it);
 * {@link #missing} then only checks the file.
 */
public final class AttncLlama {
    public static final String SAMPLE = "samples/llama/llama.attn";
    public static final String READER = "dev.attnc.runtime.weights.GgufFile";

    private AttncLlama() {
    }

    /**
     * Thrown when a piece attnc needs for the benchmark is absent; the message says which. No
     * stack trace: JMH prints the exception, and the message is all there is to say.
     */
    public static final class NotReady extends Exception {
        NotReady(String message) {
            super(message, null, false, false);
        }
    }

    /** What is missing for the benchmark to run, or empty when it can. */
    public static Optional<String> missing() {
        try {
            sampleText();
            readerOpen();
            return Optional.empty();
        } catch (NotReady e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The sample compiled for {@code gguf} with run-time dims up to {@code maxSeq}, loaded with
     * its weights, as a token model whose cache is empty.
     */
    public static TokenModel open(Path gguf, long maxSeq) throws NotReady {
        if (!Files.isRegularFile(gguf)) {
            throw new NotReady("no file " + gguf + ": write it with"
                    + " java -cp bench/target/benchmarks.jar dev.attnc.bench.gguf.RandomGguf " + gguf
                    + " --shape tinyllama --type f16|q8_0");
        }
        String text = sampleText();
        try (WeightSource weights = openWeights(gguf)) {
            Compilation compilation = Attnc.compile(SAMPLE, text, options(weights.checkpointMetadata(), maxSeq));
            if (!compilation.ok()) {
                throw new NotReady(SAMPLE + " does not compile for " + gguf.getFileName() + " with main's public API"
                        + " (metadata at compile time not wired?):\n" + compilation.render());
            }
            AttnModel model = compilation.orElseThrow();
            return new Stepping(model, model.load(weights));
        }
    }

    /** The compile options: the checkpoint's metadata, which samples/llama's meta(...) reads. */
    static CompileOptions options(CheckpointMetadata metadata, long maxSeq) {
        return CompileOptions.defaults().withMaxSeq(maxSeq).withCheckpoint(metadata);
    }

    static String sampleText() throws NotReady {
        try (InputStream in = AttncLlama.class.getResourceAsStream("/" + SAMPLE)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Path file = Path.of(System.getProperty("attnc.root", ".")).resolve(SAMPLE);
            if (Files.isRegularFile(file)) {
                return Files.readString(file);
            }
        } catch (IOException e) {
            throw new NotReady("cannot read " + SAMPLE + ": " + e.getMessage());
        }
        throw new NotReady("needs " + SAMPLE + " (not in this build) and a GGUF reader");
    }

    private static Method readerOpen() throws NotReady {
        try {
            Method open = Class.forName(READER).getMethod("open", Path.class);
            if (!WeightSource.class.isAssignableFrom(open.getReturnType())) {
                throw new NotReady(READER + ".open(Path) does not return a WeightSource");
            }
            return open;
        } catch (ClassNotFoundException e) {
            throw new NotReady("needs " + SAMPLE + " and a GGUF reader (" + READER + ", not in this build)");
        } catch (NoSuchMethodException e) {
            throw new NotReady("needs a GGUF reader with a static open(Path): " + READER + " has none");
        }
    }

    static WeightSource openWeights(Path gguf) throws NotReady {
        try {
            return (WeightSource) readerOpen().invoke(null, gguf);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("cannot open " + gguf, e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(READER + ".open is not accessible", e);
        }
    }

    /**
     * A generated model with a KV cache seen as a {@link TokenModel}: a prompt goes through
     * {@code forward} (from position 0; the cache then holds it), each later token through
     * {@code step}, {@code reset} empties the cache. The model's int input takes the ids, its
     * first output holds the logits, one row per position.
     */
    static final class Stepping implements TokenModel {
        private final Model model;
        private final MethodHandle step;
        private final MethodHandle reset;
        private final String ids;
        private final String logits;
        private final int vocabulary;
        private final int context;
        private int positions;

        Stepping(AttnModel compiled, Model model) throws NotReady {
            this.model = model;
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                step = lookup.findVirtual(model.getClass(), "step", MethodType.methodType(Map.class, Map.class));
                reset = lookup.findVirtual(model.getClass(), "reset", MethodType.methodType(void.class));
            } catch (ReflectiveOperationException e) {
                throw new NotReady(compiled.name() + " has no step(Map) and reset(): does " + SAMPLE + " cache its attention?");
            }
            TensorSpec input = compiled.inputs().stream().filter(spec -> spec.dtype() == DType.I32).findFirst()
                    .orElseThrow(() -> new NotReady(compiled.name() + " takes no token ids: " + compiled.inputs()));
            if (compiled.inputs().size() != 1) {
                throw new NotReady(compiled.name() + " takes more than token ids: " + compiled.inputs());
            }
            ids = input.name();
            TensorSpec output = compiled.outputs().get(0);
            logits = output.name();
            vocabulary = Math.toIntExact(constant(output, output.shape().size() - 1));
            context = Math.toIntExact(compiled.options().maxSeq());
        }

        private static long constant(TensorSpec spec, int axis) throws NotReady {
            try {
                return Long.parseLong(spec.shape().get(axis));
            } catch (NumberFormatException e) {
                throw new NotReady("the logits " + spec + " have no constant vocabulary axis");
            }
        }

        @Override
        public int vocabularySize() {
            return vocabulary;
        }

        @Override
        public int contextLength() {
            return context;
        }

        @Override
        public float[] append(int[] tokens) {
            float[] all = run(tokens);
            float[] last = new float[vocabulary];
            System.arraycopy(all, all.length - vocabulary, last, 0, vocabulary);
            return last;
        }

        @Override
        public float[][] appendAll(int[] tokens) {
            float[] all = run(tokens);
            float[][] rows = new float[tokens.length][vocabulary];
            for (int row = 0; row < tokens.length; row++) {
                System.arraycopy(all, row * vocabulary, rows[row], 0, vocabulary);
            }
            return rows;
        }

        @Override
        public void reset() {
            try {
                reset.invoke(model);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            positions = 0;
        }

        @SuppressWarnings("unchecked")
        private float[] run(int[] tokens) {
            if (positions + tokens.length > context) {
                throw new IllegalStateException("the cache holds " + context + " positions; " + positions + " are used");
            }
            Map<String, Tensor> in = Map.of(ids, Tensor.ints(tokens.clone(), tokens.length));
            Map<String, Tensor> out;
            try {
                out = positions == 0 ? model.forward(in) : (Map<String, Tensor>) step.invoke(model, in);
            } catch (Throwable e) {
                throw rethrow(e);
            }
            positions += tokens.length;
            return out.get(logits).floatData();
        }

        private static RuntimeException rethrow(Throwable e) {
            if (e instanceof RuntimeException runtime) {
                return runtime;
            }
            if (e instanceof Error error) {
                throw error;
            }
            return new IllegalStateException(e);
        }
    }
}
