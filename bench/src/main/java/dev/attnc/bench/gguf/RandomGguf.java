package dev.attnc.bench.gguf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a GGUF v3 file of a Llama's shape with seeded random weights, for the decode benchmark
 * against llama.cpp ({@link DecodeBench}, docs/performance.md): the same file for both engines,
 * with no trained checkpoint to download.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.attnc.bench.gguf.RandomGguf OUT.gguf --shape tinyllama --type q8_0 [--seed S]
 * </pre>
 *
 * <p>Architecture {@code llama}: matrices in F16 or Q8_0 (the embedding and the LM head
 * included), norm weights in F32, and a SentencePiece-style vocabulary ({@code <unk>},
 * {@code <s>}, {@code </s>}, 256 byte tokens {@code <0xXX>}, then synthetic pieces with
 * scores) so llama.cpp loads the file. Matrix values are N(0, 0.02), norm weights 1 + N(0, 0.02):
 * activations stay finite through every layer. Each tensor has its own random stream (from the
 * seed and its index), written as it is drawn, so memory stays small whatever the file's size.
 */
public final class RandomGguf {
    static final double MATRIX_STD = 0.02;
    static final double NORM_STD = 0.02;

    /** A Llama's hyper-parameters, as GGUF's {@code llama.*} metadata states them. */
    public record Shape(String name, int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context,
            float ropeBase, float rmsEps) {
        /** TinyLlama-1.1B. */
        public static final Shape TINYLLAMA = new Shape("tinyllama", 2048, 22, 32, 4, 5632, 32000, 2048, 10000f, 1e-5f);
        /**
         * Karpathy's stories260K (5 layers, d 64): small enough for a unit test. Its FFN rows of
         * 172 values are not a multiple of 32, so Q8_0 blocks run over rows as in the real file;
         * llama.cpp does not load such a file, a GGUF reader must.
         */
        public static final Shape STORIES = new Shape("stories", 64, 5, 8, 4, 172, 512, 512, 10000f, 1e-5f);

        public int headDim() {
            return dim / heads;
        }

        public int kvDim() {
            return kvHeads * headDim();
        }

        static Shape named(String name) {
            return switch (name) {
                case "tinyllama" -> TINYLLAMA;
                case "stories" -> STORIES;
                default -> throw new UsageException("unknown shape '" + name + "' (tinyllama or stories)");
            };
        }
    }

    /** One tensor of the file: its GGUF name, dims innermost first, and type. */
    public record Tensor(String name, long[] dims, boolean matrix) {
        public long elements() {
            long n = 1;
            for (long dim : dims) {
                n *= dim;
            }
            return n;
        }
    }

    private RandomGguf() {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run(args);
        } catch (UsageException e) {
            System.err.println("RandomGguf: " + e.getMessage());
            System.err.println("usage: RandomGguf OUT.gguf --shape tinyllama|stories --type f16|q8_0 [--seed S]");
            status = 2;
        }
        System.exit(status);
    }

    static int run(String[] args) {
        Path out = null;
        Shape shape = null;
        GgufType type = null;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--shape" -> shape = Shape.named(value(args, ++i, arg));
                case "--type" -> type = type(value(args, ++i, arg));
                case "--seed" -> seed = seed(value(args, ++i, arg));
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option " + arg);
                    }
                    if (out != null) {
                        throw new UsageException("one output file only (" + out + " and " + arg + ")");
                    }
                    out = Path.of(arg);
                }
            }
        }
        if (out == null || shape == null || type == null) {
            throw new UsageException("needs OUT.gguf, --shape and --type");
        }
        if (!out.getFileName().toString().endsWith(".gguf")) {
            throw new UsageException("the output file must end in .gguf: " + out);
        }
        Path folder = out.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new UsageException("no such folder: " + folder);
        }
        long start = System.nanoTime();
        try {
            long bytes = write(out, shape, type, seed);
            System.out.printf(Locale.ROOT, "wrote %s: %s shape, %s, seed %d, %d bytes, %.1f s%n", out, shape.name(),
                    type.name().toLowerCase(Locale.ROOT), seed, bytes, (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (IOException e) {
            System.err.println("RandomGguf: cannot write " + out + ": " + e.getMessage());
            return 1;
        }
    }

    /** Writes the file; returns its size in bytes. */
    public static long write(Path out, Shape shape, GgufType matrixType, long seed) throws IOException {
        if (matrixType == GgufType.F32) {
            throw new IllegalArgumentException("matrices are F16 or Q8_0");
        }
        GgufWriter writer = new GgufWriter();
        metadata(writer, shape, matrixType, seed);
        List<Tensor> tensors = tensors(shape);
        for (int index = 0; index < tensors.size(); index++) {
            Tensor tensor = tensors.get(index);
            writer.addTensor(tensor.name(), tensor.dims(), tensor.matrix() ? matrixType : GgufType.F32,
                    values(seed, index, tensor.matrix()));
        }
        return writer.write(out);
    }

    /** The file's tensors in the order written: embedding, each layer, final norm, LM head. */
    public static List<Tensor> tensors(Shape s) {
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor("token_embd.weight", new long[] {s.dim(), s.vocab()}, true));
        for (int layer = 0; layer < s.layers(); layer++) {
            String block = "blk." + layer + ".";
            tensors.add(new Tensor(block + "attn_norm.weight", new long[] {s.dim()}, false));
            tensors.add(new Tensor(block + "attn_q.weight", new long[] {s.dim(), s.dim()}, true));
            tensors.add(new Tensor(block + "attn_k.weight", new long[] {s.dim(), s.kvDim()}, true));
            tensors.add(new Tensor(block + "attn_v.weight", new long[] {s.dim(), s.kvDim()}, true));
            tensors.add(new Tensor(block + "attn_output.weight", new long[] {s.dim(), s.dim()}, true));
            tensors.add(new Tensor(block + "ffn_norm.weight", new long[] {s.dim()}, false));
            tensors.add(new Tensor(block + "ffn_gate.weight", new long[] {s.dim(), s.ffn()}, true));
            tensors.add(new Tensor(block + "ffn_up.weight", new long[] {s.dim(), s.ffn()}, true));
            tensors.add(new Tensor(block + "ffn_down.weight", new long[] {s.ffn(), s.dim()}, true));
        }
        tensors.add(new Tensor("output_norm.weight", new long[] {s.dim()}, false));
        tensors.add(new Tensor("output.weight", new long[] {s.dim(), s.vocab()}, true));
        return tensors;
    }

    /**
     * The random values of tensor {@code index}, drawn in storage order: N(0, 0.02) for a matrix,
     * 1 + N(0, 0.02) for a norm weight. The same seed and index give the same values.
     */
    static GgufWriter.Values values(long seed, int index, boolean matrix) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        double mean = matrix ? 0 : 1;
        double std = matrix ? MATRIX_STD : NORM_STD;
        return (into, count) -> {
            for (int i = 0; i < count; i += 2) {
                // Box-Muller: two independent normals from two uniforms.
                double radius = Math.sqrt(-2 * Math.log(random.nextDouble(Double.MIN_VALUE, 1))) * std;
                double angle = 2 * Math.PI * random.nextDouble();
                into[i] = (float) (mean + radius * Math.cos(angle));
                if (i + 1 < count) {
                    into[i + 1] = (float) (mean + radius * Math.sin(angle));
                }
            }
        };
    }

    private static void metadata(GgufWriter w, Shape s, GgufType matrixType, long seed) {
        w.putString("general.architecture", "llama");
        w.putString("general.name", "random " + s.name() + " (seed " + seed + ")");
        // llama_ftype: 1 = mostly F16, 7 = mostly Q8_0.
        w.putUInt32("general.file_type", matrixType == GgufType.F16 ? 1 : 7);
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32("general.alignment", GgufWriter.ALIGNMENT);
        w.putUInt32("llama.vocab_size", s.vocab());
        w.putUInt32("llama.context_length", s.context());
        w.putUInt32("llama.embedding_length", s.dim());
        w.putUInt32("llama.block_count", s.layers());
        w.putUInt32("llama.feed_forward_length", s.ffn());
        w.putUInt32("llama.rope.dimension_count", s.headDim());
        w.putUInt32("llama.attention.head_count", s.heads());
        w.putUInt32("llama.attention.head_count_kv", s.kvHeads());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", s.rmsEps());
        w.putFloat32("llama.rope.freq_base", s.ropeBase());
        Vocabulary vocabulary = vocabulary(s.vocab());
        w.putString("tokenizer.ggml.model", "llama");
        w.putStrings("tokenizer.ggml.tokens", vocabulary.pieces());
        w.putFloats("tokenizer.ggml.scores", vocabulary.scores());
        w.putInts("tokenizer.ggml.token_type", vocabulary.types());
        w.putUInt32("tokenizer.ggml.unknown_token_id", 0);
        w.putUInt32("tokenizer.ggml.bos_token_id", 1);
        w.putUInt32("tokenizer.ggml.eos_token_id", 2);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
    }

    /** A SentencePiece vocabulary: pieces, their scores, their types (1 normal, 2 unknown, 3 control, 6 byte). */
    public record Vocabulary(List<String> pieces, float[] scores, int[] types) {
    }

    /**
     * {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens, then pieces of lowercase
     * letters by length, each with and without the word-start mark U+2581, scored so that
     * earlier pieces win.
     */
    public static Vocabulary vocabulary(int size) {
        int special = 3 + 256;
        if (size < special + 1) {
            throw new IllegalArgumentException("a vocabulary needs more than " + special + " tokens");
        }
        List<String> pieces = new ArrayList<>(size);
        float[] scores = new float[size];
        int[] types = new int[size];
        pieces.add("<unk>");
        types[0] = 2;
        pieces.add("<s>");
        types[1] = 3;
        pieces.add("</s>");
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            types[pieces.size()] = 6;
            pieces.add(String.format(Locale.ROOT, "<0x%02X>", b));
        }
        for (int length = 1; pieces.size() < size; length++) {
            int combinations = (int) Math.pow(26, length);
            for (int n = 0; n < combinations && pieces.size() < size; n++) {
                String letters = letters(n, length);
                for (String piece : new String[] {"\u2581" + letters, letters}) {
                    if (pieces.size() < size) {
                        int id = pieces.size();
                        types[id] = 1;
                        scores[id] = -(id - special);
                        pieces.add(piece);
                    }
                }
            }
        }
        return new Vocabulary(List.copyOf(pieces), scores, types);
    }

    private static String letters(int n, int length) {
        char[] chars = new char[length];
        for (int i = length - 1; i >= 0; i--) {
            chars[i] = (char) ('a' + n % 26);
            n /= 26;
        }
        return new String(chars);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[index];
    }

    private static GgufType type(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f16" -> GgufType.F16;
            case "q8_0" -> GgufType.Q8_0;
            default -> throw new UsageException("unknown --type '" + name + "' (f16 or q8_0)");
        };
    }

    private static long seed(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException("--seed needs an integer, not '" + text + "'");
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
