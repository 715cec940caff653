package dev.attnc.bench.onnx;

import dev.attnc.bench.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ONNX graphs ONNX Runtime runs in the attention benchmarks, one per (op, variant) that the
 * op can express. Every graph takes {@code q [1, T, 768]}, {@code k} and {@code v}
 * {@code [1, T, KV * 64]} and gives {@code y [1, T, 768]}, T named so one file serves every
 * length; masks and biases are inputs too (made once per length, outside the timing):
 *
 * <ul>
 *   <li>{@code mask [T, T]} (MHA: {@code [1, 1, T, T]}): 0 where a query sees a key, -inf elsewhere;
 *   <li>{@code bias [1, 12, T, T]}: the ALiBi bias, -inf where masked for the fused op
 *       (after the softcap, for the MatMul graph, which takes the mask separately).
 * </ul>
 *
 * <p>{@code java -cp benchmarks.jar dev.attnc.bench.onnx.OnnxModels DIR} writes them all to
 * DIR; the copies in {@code src/main/resources/dev/attnc/bench/onnx} are what the benchmarks
 * load, and a test checks they are what this class writes.
 */
public final class OnnxModels {
    private OnnxModels() {
    }

    /** The ways of running attention in ONNX Runtime. */
    public enum Op {
        /** The standard {@code Attention} op of opset 23. */
        ATTENTION23,
        /** ORT's {@code com.microsoft.MultiHeadAttention} (flash attention on CPU when unmasked). */
        MHA,
        /** ORT's {@code com.microsoft.GroupQueryAttention}: causal only, with a sliding window option. */
        GQA,
        /** MatMul, Mul(scale), [Add(bias), softcap], Add(mask), Softmax, MatMul: what a plain export gives. */
        MATMUL;

        public String fileName(Variant variant) {
            return name().toLowerCase(Locale.ROOT) + "_" + variant.name().toLowerCase(Locale.ROOT) + ".onnx";
        }
    }

    /** The graph's extra inputs beside q, k, v. */
    public enum Extra {
        /** {@code mask [T, T]} additive. */
        MASK,
        /** {@code mask [1, 1, T, T]} additive (MHA's attention_bias). */
        MASK4,
        /** {@code bias [1, 12, T, T]}: ALiBi, with -inf where masked. */
        BIAS_MASKED,
        /** {@code bias [1, 12, T, T]}: ALiBi only. */
        BIAS,
        /** {@code seqlens_k int32 [1]} = T - 1 and {@code total_sequence_length int32 []} = T. */
        SEQLENS
    }

    public static boolean supports(Op op, Variant variant) {
        return switch (op) {
            case ATTENTION23, MATMUL -> true;
            // No softcap attribute, and keys must have as many heads as queries.
            case MHA -> variant == Variant.FULL || variant == Variant.CAUSAL || variant == Variant.WINDOW;
            // Always causal; no per-head additive bias.
            case GQA -> variant == Variant.CAUSAL || variant == Variant.WINDOW || variant == Variant.GQA;
        };
    }

    public static List<Extra> extras(Op op, Variant variant) {
        List<Extra> extras = new ArrayList<>();
        switch (op) {
            case ATTENTION23 -> {
                if (variant.alibi) {
                    extras.add(Extra.BIAS_MASKED);
                } else if (variant.window > 0) {
                    extras.add(Extra.MASK);
                }
            }
            case MHA -> {
                if (variant.window > 0) {
                    extras.add(Extra.MASK4);
                }
            }
            case GQA -> extras.add(Extra.SEQLENS);
            case MATMUL -> {
                if (variant.alibi) {
                    extras.add(Extra.BIAS);
                }
                if (variant.causal || variant.window > 0) {
                    extras.add(Extra.MASK);
                }
            }
        }
        return extras;
    }

    public static byte[] model(Op op, Variant variant) {
        if (!supports(op, variant)) {
            throw new IllegalArgumentException(op + " cannot express " + variant);
        }
        OnnxWriter g = new OnnxWriter(op.fileName(variant).replace(".onnx", ""));
        g.opset("", 23);
        if (op == Op.MHA || op == Op.GQA) {
            g.opset("com.microsoft", 1);
        }
        int kv = variant.kvWidth();
        g.input("q", OnnxWriter.FLOAT, 1, "T", Variant.WIDTH)
                .input("k", OnnxWriter.FLOAT, 1, "T", kv)
                .input("v", OnnxWriter.FLOAT, 1, "T", kv);
        for (Extra extra : extras(op, variant)) {
            switch (extra) {
                case MASK -> g.input("mask", OnnxWriter.FLOAT, "T", "T");
                case MASK4 -> g.input("mask", OnnxWriter.FLOAT, 1, 1, "T", "T");
                case BIAS, BIAS_MASKED -> g.input("bias", OnnxWriter.FLOAT, 1, Variant.HEADS, "T", "T");
                case SEQLENS -> g.input("seqlens_k", OnnxWriter.INT32, 1).input("total_sequence_length", OnnxWriter.INT32);
            }
        }
        g.output("y", OnnxWriter.FLOAT, 1, "T", Variant.WIDTH);
        switch (op) {
            case ATTENTION23 -> attention23(g, variant);
            case MHA -> mha(g, variant);
            case GQA -> gqa(g, variant);
            case MATMUL -> matmul(g, variant);
        }
        return g.toBytes();
    }

    private static void attention23(OnnxWriter g, Variant variant) {
        String mask = variant.alibi ? "bias" : variant.window > 0 ? "mask" : "";
        OnnxWriter.Node node = g.node("Attention", mask.isEmpty() ? List.of("q", "k", "v") : List.of("q", "k", "v", mask), List.of("y"))
                .attr("q_num_heads", (long) Variant.HEADS)
                .attr("kv_num_heads", (long) variant.kvHeads)
                .attr("scale", Variant.SCALE);
        // With a mask input, the mask says everything (the window is causal too).
        if (variant.causal && mask.isEmpty()) {
            node.attr("is_causal", 1L);
        }
        if (variant.softcap > 0) {
            node.attr("softcap", variant.softcap);
        }
        node.add();
    }

    private static void mha(OnnxWriter g, Variant variant) {
        List<String> inputs = variant.window > 0
                ? List.of("q", "k", "v", "", "", "mask")   // bias, key_padding_mask left out; attention_bias
                : List.of("q", "k", "v");
        OnnxWriter.Node node = g.node("com.microsoft", "MultiHeadAttention", inputs, List.of("y"))
                .attr("num_heads", (long) Variant.HEADS)
                .attr("scale", Variant.SCALE);
        if (variant.causal && variant.window == 0) {
            node.attr("unidirectional", 1L);
        }
        node.add();
    }

    private static void gqa(OnnxWriter g, Variant variant) {
        OnnxWriter.Node node = g.node("com.microsoft", "GroupQueryAttention",
                        List.of("q", "k", "v", "", "", "seqlens_k", "total_sequence_length"),
                        List.of("y", "present_key", "present_value"))
                .attr("num_heads", (long) Variant.HEADS)
                .attr("kv_num_heads", (long) variant.kvHeads)
                .attr("scale", Variant.SCALE);
        if (variant.window > 0) {
            // ORT's window counts the keys before the query's own: W - 1 of them.
            node.attr("local_window_size", (long) (variant.window - 1));
        }
        node.add();
    }

    private static void matmul(OnnxWriter g, Variant variant) {
        int groups = Variant.HEADS / variant.kvHeads;
        g.int64s("q_shape", 0, 0, Variant.HEADS, Variant.HEAD_DIM)
                .int64s("kv_shape", 0, 0, variant.kvHeads, Variant.HEAD_DIM)
                .int64s("y_shape", 0, 0, Variant.WIDTH)
                .scalar("scale", Variant.SCALE);
        // [1, T, 768] -> [1, 12, T, 64]; k -> [1, KV, 64, T]; v -> [1, KV, T, 64]
        g.node("Reshape", List.of("q", "q_shape"), List.of("q4")).add()
                .node("Transpose", List.of("q4"), List.of("qh")).attr("perm", new long[] {0, 2, 1, 3}).add()
                .node("Reshape", List.of("k", "kv_shape"), List.of("k4")).add()
                .node("Transpose", List.of("k4"), List.of("kt")).attr("perm", new long[] {0, 2, 3, 1}).add()
                .node("Reshape", List.of("v", "kv_shape"), List.of("v4")).add()
                .node("Transpose", List.of("v4"), List.of("vh")).attr("perm", new long[] {0, 2, 1, 3}).add();
        String keys = "kt";
        String values = "vh";
        if (groups > 1) {
            // Each key/value head serves `groups` query heads: [1, KV, ...] -> [1, KV, groups, ...] -> [1, 12, ...]
            g.int64s("kt_split", 0, 0, 1, Variant.HEAD_DIM, -1)
                    .int64s("vh_split", 0, 0, 1, -1, Variant.HEAD_DIM)
                    .int64s("groups", 1, 1, groups, 1, 1)
                    .int64s("kt_heads", 0, Variant.HEADS, Variant.HEAD_DIM, -1)
                    .int64s("vh_heads", 0, Variant.HEADS, -1, Variant.HEAD_DIM)
                    .node("Reshape", List.of("kt", "kt_split"), List.of("kt5")).add()
                    .node("Expand", List.of("kt5", "groups"), List.of("kt5x")).add()
                    .node("Reshape", List.of("kt5x", "kt_heads"), List.of("kt12")).add()
                    .node("Reshape", List.of("vh", "vh_split"), List.of("vh5")).add()
                    .node("Expand", List.of("vh5", "groups"), List.of("vh5x")).add()
                    .node("Reshape", List.of("vh5x", "vh_heads"), List.of("vh12")).add();
            keys = "kt12";
            values = "vh12";
        }
        g.node("MatMul", List.of("qh", keys), List.of("qk")).add()
                .node("Mul", List.of("qk", "scale"), List.of("s")).add();
        String scores = "s";
        if (variant.alibi) {
            g.node("Add", List.of(scores, "bias"), List.of("s_bias")).add();
            scores = "s_bias";
        }
        if (variant.softcap > 0) {
            g.scalar("cap", variant.softcap)
                    .node("Div", List.of(scores, "cap"), List.of("s_div")).add()
                    .node("Tanh", List.of("s_div"), List.of("s_tanh")).add()
                    .node("Mul", List.of("s_tanh", "cap"), List.of("s_cap")).add();
            scores = "s_cap";
        }
        if (variant.causal || variant.window > 0) {
            g.node("Add", List.of(scores, "mask"), List.of("s_masked")).add();
            scores = "s_masked";
        }
        g.node("Softmax", List.of(scores), List.of("p")).attr("axis", -1L).add()
                .node("MatMul", List.of("p", values), List.of("oh")).add()
                .node("Transpose", List.of("oh"), List.of("o4")).attr("perm", new long[] {0, 2, 1, 3}).add()
                .node("Reshape", List.of("o4", "y_shape"), List.of("y")).add();
    }

    /** Writes every model to {@code args[0]} (default: the current directory). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        Files.createDirectories(dir);
        for (Op op : Op.values()) {
            for (Variant variant : Variant.values()) {
                if (supports(op, variant)) {
                    Path file = dir.resolve(op.fileName(variant));
                    Files.write(file, model(op, variant));
                    System.out.println(file);
                }
            }
        }
    }
}
