package dev.attnc.compiler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.AttentionMaps;
import dev.attnc.runtime.DType;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.WeightException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process API, as a Java caller uses it. */
class AttncApiTest {
    /** A small causal block: two heads of 4 over width 8. */
    static final String TINY = """
            // A tiny causal attention block.
            model Tiny {
              const D = 8, H = 2
              dim T <= 64
              input x : [T, D]
              param norm : layernorm(D)         from "norm"
              param qkv  : linear(D, 3 * D)     from "qkv"
              param out  : linear(D, D)         from "out"
              q, k, v = split(qkv(norm(x)), 3)
              a = attention(q, k, v, heads = H) {
                mask causal
              }
              x = x + out(a)
              output x
            }
            """;

    @TempDir
    Path dir;

    @Test
    void compilesAFileLoadsAndRuns() {
        Compilation compilation = Attnc.compile(Repo.path("samples/llama_block/llama_block.attn"));
        assertTrue(compilation.ok(), compilation.render());
        assertEquals(List.of(), compilation.errors());
        AttnModel model = compilation.orElseThrow();
        assertEquals("LlamaBlock", model.name());
        assertEquals(List.of(new TensorSpec("x", DType.F32, List.of("T", "576"))), model.inputs());
        assertEquals("x [T, 576]", model.outputs().get(0).toString());
        assertEquals(Map.of("T", Optional.of(2048L)), model.dims());
        assertTrue(model.weightNames().contains("model.layers.0.self_attn.q_proj.weight"), model.weightNames().toString());
        assertEquals("attnc.models.LlamaBlock", model.className());
        try (Model run = model.load(Weights.random(42))) {
            Map<String, Tensor> inputs = model.randomInputs(5, 7);
            assertEquals(List.of(5, 576), List.of(inputs.get("x").dim(0), inputs.get("x").dim(1)));
            Tensor x = run.forward(inputs).get("x");
            assertEquals("[5, 576]", x.shapeString());
            for (float value : x.floatData()) {
                assertTrue(Float.isFinite(value));
            }
        }
        assertSame(model.modelClass(), model.modelClass(), "javac runs once per model");
    }

    @Test
    void textCompilesAndRecordsAttention() {
        AttnModel model = Attnc.compile(TINY).orElseThrow();
        try (Model run = model.load(Weights.random(1))) {
            AttentionMaps maps = AttentionMaps.all();
            run.recordAttention(maps);
            Tensor x = run.forward(Map.of("x", Tensor.floats(new float[3 * 8], 3, 8))).get("x");
            assertEquals("[3, 8]", x.shapeString());
            assertEquals(2, maps.maps().size(), "one map per head");
            AttentionMaps.Map map = maps.maps().get(0);
            assertEquals("a", map.attention());
            assertEquals(1.0, map.weight(2, 0) + map.weight(2, 1) + map.weight(2, 2), 1e-5);
            assertEquals(0.0, map.weight(0, 1), "causal: query 0 sees key 0 only");
        }
    }

    @Test
    void errorsAreValuesWithTheirPlace() {
        Compilation bad = Attnc.compile("model M {\n  dim T\n  input x : [T, 8]\n  y = x + relu(z)\n  output y\n}\n");
        assertFalse(bad.ok());
        assertEquals(1, bad.errorCount());
        assertEquals(List.of(), bad.models());
        Diagnostic error = bad.errors().get(0);
        assertEquals(new Diagnostic(Diagnostic.Severity.ERROR, "<text>", 4, 16, "unknown name `z`",
                "<text>:4:16: error: unknown name `z`\n    4 |   y = x + relu(z)\n      |                ^"), error);
        assertEquals("<text>:4:16: error: unknown name `z`", error.headline());
        assertEquals(error.rendered() + "\n", bad.render());
        CompilationException thrown = assertThrows(CompilationException.class, bad::orElseThrow);
        assertTrue(thrown.getMessage().contains("<text>:4:16: error: unknown name `z`"), thrown.getMessage());
        assertEquals(bad.diagnostics(), thrown.diagnostics());
    }

    @Test
    void warningsDoNotStopCompilation() {
        Compilation warned = Attnc.compile("model M {\n  dim T\n  input x : [T, 8]\n  param g : [8]\n  output x\n}\n");
        assertTrue(warned.ok());
        assertEquals(1, warned.warningCount());
        assertTrue(warned.warnings().get(0).message().contains("param `g` is never used"));
        assertEquals("M", warned.orElseThrow().name());
    }

    @Test
    void codeGenerationProblemsAreDiagnosticsOfCompileAndExceptionsAfterCheck() {
        String huge = "model Huge {\n  dim T\n  input x : [T, 4096]\n  y = relu(x)\n  output y\n}\n";
        CompileOptions options = CompileOptions.defaults().withMaxSeq(1L << 40);
        Compilation compiled = Attnc.compile("huge.attn", huge, options);
        assertFalse(compiled.ok());
        Diagnostic error = compiled.errors().get(0);
        // At the largest value, the input x on line 3, as attnc check reports it.
        assertEquals(3, error.line());
        assertTrue(error.headline().startsWith("huge.attn:3:3: error: the activations of Huge"), error.headline());

        Compilation checked = Attnc.check("huge.attn", huge, options);
        assertTrue(checked.ok(), "check does not generate code");
        AttnModel model = checked.orElseThrow();
        CompilationException thrown = assertThrows(CompilationException.class, model::javaSource);
        assertEquals(error.headline(), thrown.getMessage());
    }

    @Test
    void writesJavaAndShowsTheGraphAtEachStage() throws IOException {
        AttnModel model = Attnc.compile("tiny.attn", TINY, CompileOptions.defaults().withPackage("my.models")).orElseThrow();
        Path written = model.writeJava(dir);
        assertEquals(dir.resolve("my/models/Tiny.java"), written);
        assertEquals(model.javaSource(), Files.readString(written));
        assertTrue(model.javaSource().startsWith("package my.models;"));
        assertTrue(model.ir("checked").contains("= attention"), model.ir("checked"));
        assertEquals(AttnModel.stages().get(0), "checked");
        assertEquals(AttnModel.stages().get(AttnModel.stages().size() - 1), "final");
        for (String stage : AttnModel.stages()) {
            assertTrue(model.ir(stage).startsWith("model Tiny\n"), stage);
        }
        assertThrows(IllegalArgumentException.class, () -> model.ir("nope"));
    }

    @Test
    void tornadoBackendRunsOnTheJvmWithoutTornadoVm() {
        CompileOptions options = CompileOptions.defaults().withBackend(Backend.TORNADOVM);
        AttnModel model = Attnc.compile("tiny.attn", TINY, options).orElseThrow();
        assertEquals("attnc.models.TinyTornado", model.className());
        AttnModel jvm = Attnc.compile(TINY).orElseThrow();
        Map<String, Tensor> inputs = jvm.randomInputs(4, 3);
        try (Model tornado = model.load(Weights.random(5)); Model plain = jvm.load(Weights.random(5))) {
            float[] a = tornado.forward(inputs).get("x").floatData();
            float[] b = plain.forward(inputs).get("x").floatData();
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 1e-4, "element " + i);
            }
        }
        assertThrows(UnsupportedOperationException.class, () -> jvm.load(Weights.random(5), 0, 0));
    }

    @Test
    void badWeightsAndFilesFailClearly() {
        AttnModel model = Attnc.compile(TINY).orElseThrow();
        WeightException missing = assertThrows(WeightException.class, () -> model.load(Weights.safetensors(dir.resolve("none.safetensors"))));
        assertTrue(missing.getMessage().contains("none.safetensors"), missing.getMessage());
        assertThrows(UncheckedIOException.class, () -> Attnc.compile(dir.resolve("missing.attn")));
        assertEquals(Backend.TORNADOVM, Backend.parse("TornadoVM"));
        assertThrows(IllegalArgumentException.class, () -> Backend.parse("cuda"));
    }
}
