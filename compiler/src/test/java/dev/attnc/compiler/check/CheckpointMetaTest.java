package dev.attnc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.Severity;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import dev.attnc.compiler.ir.Param;
import dev.attnc.runtime.weights.CheckpointMetadata;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code meta(...)}, {@code meta_length(...)}, {@code rope(..., layout = checkpoint)} and
 * {@code from "a" | "b"}: what they read from a checkpoint's metadata, and the diagnostics
 * when it lacks something, holds the wrong type or is not given at all.
 */
class CheckpointMetaTest {
    private static final CheckpointMetadata GGUF = CheckpointMetadata.of(Map.of(
            "general.architecture", "llama",
            "llama.embedding_length", 64L,
            "llama.attention.head_count", 4L,
            "llama.attention.layer_norm_rms_epsilon", 1e-5,
            "general.name", "tiny",
            "tokenizer.ggml.tokens", List.of("a", "b", "c")), "tiny.gguf");
    private static final CheckpointMetadata HF = CheckpointMetadata.of(Map.of(
            "hidden_size", 96L, "num_attention_heads", 6L, "rms_norm_eps", 1e-6, "tie_word_embeddings", true), "config.json");

    private static FrontEnd.Result check(String body, CheckpointMetadata metadata) {
        String text = "model M {\n" + body + "\n}\n";
        return FrontEnd.check(new SourceFile("m.attn", text), metadata);
    }

    private static Map<String, Number> constants(String body, CheckpointMetadata metadata) {
        FrontEnd.Result result = check(body + "\n  dim T\n  input x : [T, 4]\n  output x", metadata);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return result.models().get(0).constants();
    }

    private static String rendered(FrontEnd.Result result) {
        List<Diagnostic> errors = result.diagnostics().all().stream().filter(d -> d.severity() == Severity.ERROR).toList();
        assertEquals(1, errors.size(), "expected exactly one error:\n" + result.diagnostics().render());
        return result.diagnostics().render();
    }

    @Test
    void keysAreTriedInOrderWithTheArchitectureFilledIn() {
        String body = "  const D = meta(\"{arch}.embedding_length\", \"hidden_size\")\n"
                + "  const H = meta(\"{arch}.attention.head_count\", \"num_attention_heads\")\n"
                + "  const EPS = meta(\"{arch}.attention.layer_norm_rms_epsilon\", \"rms_norm_eps\")\n"
                + "  const Dh = D / H";
        Map<String, Number> gguf = constants(body, GGUF);
        assertEquals(64L, gguf.get("D"));
        assertEquals(16L, gguf.get("Dh"));
        assertEquals(1e-5, gguf.get("EPS"));
        Map<String, Number> hf = constants(body, HF);
        assertEquals(96L, hf.get("D"));
        assertEquals(16L, hf.get("Dh"));
        assertEquals(1e-6, hf.get("EPS"));
    }

    @Test
    void defaultsLengthsAndFlags() {
        String body = "  const BASE = meta(\"{arch}.rope.freq_base\", \"rope_theta\", default = 10000.0)\n"
                + "  const V = meta(\"{arch}.vocab_size\", \"vocab_size\", default = meta_length(\"tokenizer.ggml.tokens\"))\n";
        Map<String, Number> gguf = constants(body, GGUF);
        assertEquals(10000.0, gguf.get("BASE"));
        assertEquals(3L, gguf.get("V"));
        assertEquals(1L, constants("  const TIED = meta(\"tie_word_embeddings\")", HF).get("TIED"));
    }

    @Test
    void aMissingKeyIsReportedAtTheCallNamingTheCheckpoint() {
        FrontEnd.Result result = check("  const F = meta(\"{arch}.feed_forward_length\", \"intermediate_size\")\n"
                + "  dim T\n  input x : [T, F]\n  output x", GGUF);
        assertEquals("""
                m.attn:2:13: error: none of the keys "llama.feed_forward_length", "intermediate_size" is in tiny.gguf \
                (add another key, or `default = ...`)
                    2 |   const F = meta("{arch}.feed_forward_length", "intermediate_size")
                      |             ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
                """, rendered(result));
    }

    @Test
    void aCloseKeyIsSuggested() {
        FrontEnd.Result result = check("  const D = meta(\"llama.embeding_length\")\n  dim T\n  input x : [T, D]\n  output x", GGUF);
        assertTrue(rendered(result).contains("key \"llama.embeding_length\" is not in tiny.gguf; did you mean `llama.embedding_length`?"),
                result.diagnostics().render());
    }

    @Test
    void aValueOfTheWrongTypeIsReportedAtItsKey() {
        FrontEnd.Result result = check("  const D = meta(\"nothing\", \"general.name\")\n  dim T\n  input x : [T, D]\n  output x", GGUF);
        assertEquals("""
                m.attn:2:29: error: "general.name" in tiny.gguf holds the string "tiny", not a number
                    2 |   const D = meta("nothing", "general.name")
                      |                             ^~~~~~~~~~~~~~
                """, rendered(result));
        FrontEnd.Result length = check("  const V = meta_length(\"llama.embedding_length\")\n  dim T\n  input x : [T, V]\n  output x", GGUF);
        assertTrue(rendered(length).contains("holds the number 64, not an array"), length.diagnostics().render());
    }

    @Test
    void withoutACheckpointTheErrorSaysWhichOptionGivesOne() {
        FrontEnd.Result result = check("  const D = meta(\"hidden_size\")\n  const H = meta(\"num_attention_heads\")\n"
                + "  dim T\n  input x : [T, D]\n  output x", null);
        String text = rendered(result); // once, not once per meta
        assertTrue(text.startsWith("m.attn:2:13: error: `meta` reads the checkpoint's metadata, but this file is compiled "
                + "without a checkpoint: give one with --weights FILE"), text);
        assertTrue(text.contains("CompileOptions.withCheckpoint"), text);
    }

    @Test
    void keysMustBeWellFormedStrings() {
        assertTrue(rendered(check("  const D = meta(hidden)\n  dim T\n  input x : [T, 4]\n  output x", HF))
                .contains("the keys of `meta` are strings"));
        assertTrue(rendered(check("  const D = meta(\"{model}.x\")\n  dim T\n  input x : [T, 4]\n  output x", GGUF))
                .contains("the only placeholder is {arch}"));
    }

    @Test
    void ropeLayoutFollowsTheCheckpoint() {
        String body = "  dim T\n  input x : [T, 64]\n  y = rope(x, heads = 4, layout = checkpoint)\n  output y";
        assertEquals("interleaved", ropeLayout(check(body, GGUF)));
        assertEquals("half", ropeLayout(check(body, HF)));
        CheckpointMetadata qwen = CheckpointMetadata.of(Map.of("general.architecture", "qwen2"), "qwen.gguf");
        assertEquals("half", ropeLayout(check(body, qwen)));
        CheckpointMetadata unknown = CheckpointMetadata.of(Map.of("general.architecture", "mamba"), "m.gguf");
        assertTrue(rendered(check(body, unknown)).contains(
                "cannot tell how m.gguf (architecture \"mamba\") pairs RoPE features; write layout = half or layout = interleaved"));
        assertTrue(rendered(check(body, null)).contains("`layout = checkpoint` reads the checkpoint's metadata"));
    }

    private static String ropeLayout(FrontEnd.Result result) {
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        Node rope = result.models().get(0).graph().nodes().stream().filter(n -> n.op() == Op.ROPE).findFirst().orElseThrow();
        return rope.attr("layout");
    }

    @Test
    void checkpointNameAlternativesAreKeptInOrder() {
        FrontEnd.Result result = check("  const L = 2\n  dim T\n  input ids : int[T]\n"
                + "  param emb : embedding(10, 8) from \"token_embd\" | \"model.embed_tokens\"\n"
                + "  x = emb(ids)\n"
                + "  repeat L as layer {\n"
                + "    param w : linear(8, 8, bias = optional) from \"blk.{layer}.attn_q\" | \"model.layers.{layer}.q\"\n"
                + "    x = w(x)\n  }\n"
                + "  param head : linear(8, 10, bias = false) from \"output\" | \"token_embd\"\n"
                + "  y = head(x)\n  output y", null);
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        List<Param> params = result.models().get(0).graph().params();
        assertEquals(List.of("token_embd", "model.embed_tokens"), params.get(0).templates());
        assertEquals(List.of("blk.{layer}.attn_q", "model.layers.{layer}.q"), params.get(1).templates());
        assertEquals("optional", params.get(1).attrs().get("bias"));
        assertEquals(List.of("output", "token_embd"), params.get(2).templates(), "a tied head may name the embedding's table");
    }

    @Test
    void alternativesAreCheckedLikeNames() {
        FrontEnd.Result result = check("  dim T\n  input x : [T, 8]\n  repeat 2 as layer {\n"
                + "    param w : linear(8, 8) from \"a.{layer}\" | \"b\"\n    x = w(x)\n  }\n  output x", null);
        assertTrue(rendered(result).contains("does not use {layer}"), result.diagnostics().render());
        FrontEnd.Result twice = check("  dim T\n  input x : [T, 8]\n  param w : linear(8, 8) from \"a\" | \"a\"\n"
                + "  y = w(x)\n  output y", null);
        assertTrue(rendered(twice).contains("checkpoint name \"a\" is listed twice in this `from`"), twice.diagnostics().render());
    }
}
