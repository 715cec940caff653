package dev.attnc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.ir.GraphPrinter;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every sample checks with no diagnostic at all, has a README, and draws as a graph. */
class SamplesTest {
    private static final List<String> REQUIRED = List.of("transformer_encoder", "gpt2_block", "llama_block",
            "sliding_window", "alibi", "encoder_decoder", "softcap", "minilm");

    @Test
    void everyRequiredSampleExists() {
        List<String> present = Repo.samples().stream().map(p -> p.getParent().getFileName().toString()).toList();
        assertTrue(present.containsAll(REQUIRED), "samples present: " + present);
    }

    @TestFactory
    Stream<DynamicTest> samplesCheckClean() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            FrontEnd.Result result = Repo.check(path.toString(), Repo.read(path));
            assertEquals("", result.diagnostics().render(), "diagnostics of " + path);
            assertEquals(1, result.models().size());
            assertTrue(Files.exists(path.resolveSibling("README.md")), "README.md beside " + path);
            String mermaid = GraphPrinter.print(List.of(result.models().get(0).graph()), GraphPrinter.Format.MERMAID);
            String dot = GraphPrinter.print(List.of(result.models().get(0).graph()), GraphPrinter.Format.DOT);
            assertTrue(mermaid.startsWith("flowchart TD\n"));
            assertTrue(dot.startsWith("digraph "));
            assertTrue(dot.trim().endsWith("}"));
        }));
    }

    /** samples/llama checks clean against TinyLlama's and Qwen2's metadata, and refuses to check without any. */
    @Test
    void theLlamaSampleChecksAgainstCheckpoints() {
        Path llama = Repo.path("samples/llama/llama.attn");
        assertEquals(List.of(Repo.path("samples/gpt2/gpt2.attn"), llama), Repo.checkpointSamples());
        assertTrue(Files.exists(llama.resolveSibling("README.md")));
        Map<String, Object> tinyLlama = Map.of("general.architecture", "llama", "llama.embedding_length", 2048L,
                "llama.attention.head_count", 32L, "llama.attention.head_count_kv", 4L, "llama.block_count", 22L,
                "llama.feed_forward_length", 5632L, "llama.attention.layer_norm_rms_epsilon", 1e-5,
                "llama.rope.freq_base", 10000.0, "tokenizer.ggml.tokens", java.util.Collections.nCopies(32000, "t"));
        Map<String, Object> qwen2 = Map.of("hidden_size", 896L, "num_attention_heads", 14L, "num_key_value_heads", 2L,
                "num_hidden_layers", 24L, "intermediate_size", 4864L, "vocab_size", 151936L, "rms_norm_eps", 1e-6,
                "rope_theta", 1000000.0, "tie_word_embeddings", true);
        for (Map<String, Object> keys : List.of(tinyLlama, qwen2)) {
            FrontEnd.Result result = FrontEnd.check(new dev.attnc.compiler.diag.SourceFile(llama.toString(), Repo.read(llama)),
                    dev.attnc.runtime.weights.CheckpointMetadata.of(keys, "test metadata"));
            assertEquals("", result.diagnostics().render());
            assertOpIn(result.models().get(0), Op.ROPE);
        }
        FrontEnd.Result without = Repo.check(llama.toString(), Repo.read(llama));
        assertTrue(without.diagnostics().render().contains("compiled without a checkpoint"), without.diagnostics().render());
    }

    private static void assertOpIn(CheckedModel model, Op op) {
        assertTrue(model.graph().nodes().stream().anyMatch(n -> n.op() == op), op + " in " + model.name());
    }

    /** The features each sample exists to show are really in its graph. */
    @Test
    void samplesExpressWhatTheyClaim() {
        assertAttention("llama_block", Map.of("heads", "9", "kv_heads", "3", "causal", "true", "cache", "true"));
        assertOp("llama_block", Op.ROPE, Op.RMSNORM, Op.SWIGLU);
        assertAttention("gpt2_block", Map.of("heads", "12", "causal", "true"));
        assertOp("gpt2_block", Op.EMBEDDING, Op.ARANGE, Op.GELU_TANH, Op.LAYERNORM);
        assertAttention("transformer_encoder", Map.of("mask", "j < len", "causal", "false"));
        assertOp("transformer_encoder", Op.SINUSOIDAL, Op.RELU);
        assertAttention("sliding_window", Map.of("mask", "causal && i - j < W", "variant", "SlidingWindow"));
        assertAttention("alibi", Map.of("score", "s - alibi_slope(h) * (i - j)"));
        assertAttention("softcap", Map.of("softcap", "50"));
        double scale = Double.parseDouble(attentionOf("softcap").attrs().get("scale"));
        assertEquals(1 / Math.sqrt(144), scale, 1e-15, "Gemma 2's 1 / sqrt(query_pre_attn_scalar), folded at compile time");
        assertAttention("minilm", Map.of("mask", "attention_mask[j] != 0"));
        assertOp("minilm", Op.GELU, Op.EMBEDDING);

        Path encoderDecoder = Repo.path("samples/encoder_decoder/encoder_decoder.attn");
        CheckedModel model = Repo.check("encoder_decoder.attn", Repo.read(encoderDecoder)).models().get(0);
        List<Node> attentions = model.graph().nodes().stream().filter(n -> n.op() == Op.ATTENTION).toList();
        assertEquals(2, attentions.size());
        assertEquals("[T, 512]", attentions.get(1).type().toString(), "cross-attention gives one row per query");
        assertEquals("[S, 512]", attentions.get(1).inputs().get(1).type().toString(), "keys come from the source");
    }

    @Test
    void minilmHasOneCheckpointNamePerLayerParam() {
        Path minilm = Repo.path("samples/minilm/minilm.attn");
        CheckedModel model = Repo.check("minilm.attn", Repo.read(minilm)).models().get(0);
        Map<String, Long> byPrefix = model.checkpointNames().keySet().stream()
                .collect(Collectors.groupingBy(name -> name.split("\\.")[0], Collectors.counting()));
        assertEquals(4L, byPrefix.get("embeddings"));
        assertEquals(8L, byPrefix.get("encoder"), "8 param templates per layer, each with {layer}");
        assertFalse(model.checkpointNames().keySet().stream()
                .anyMatch(name -> name.startsWith("encoder") && !name.contains("{layer}")));
    }

    private static void assertOp(String sample, Op... ops) {
        List<Op> present = graph(sample).stream().map(Node::op).toList();
        for (Op op : ops) {
            assertTrue(present.contains(op), sample + " should contain " + op + ", has " + present);
        }
    }

    private static Node attentionOf(String sample) {
        return graph(sample).stream().filter(n -> n.op() == Op.ATTENTION).findFirst().orElseThrow();
    }

    private static void assertAttention(String sample, Map<String, String> expected) {
        Node attention = attentionOf(sample);
        expected.forEach((key, value) -> assertEquals(value, attention.attrs().get(key), sample + " attention " + key));
    }

    private static List<Node> graph(String sample) {
        Path path = Repo.path("samples/" + sample + "/" + sample + ".attn");
        return Repo.check(path.toString(), Repo.read(path)).models().get(0).graph().nodes();
    }
}
