package dev.attnc.compiler.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.ir.Node;
import dev.attnc.compiler.ir.Op;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

/** attnc explain: the FLOP and byte model, the report, and the command. */
class ExplainTest {
    /** Fixed figures, so that the tests need not measure and the bounds are known: ridge at 5 FLOP/B. */
    static final Machine MACHINE = Machine.given(100, 20);

    record Run(int code, String out, String err) {
    }

    /** The explain command as picocli runs it, usage errors mapped to exit code 2 as Main does. */
    static Run explain(String... args) throws ReflectiveOperationException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(Class.forName("dev.attnc.compiler.cli.ExplainCommand"));
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        command.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("attnc: " + e.getMessage());
            return e.getClass().getSimpleName().equals("UsageError") ? 2 : 3;
        });
        int code = command.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @TestFactory
    Stream<DynamicTest> tablePrintsForEverySample() {
        return Repo.samples().stream().map(sample -> DynamicTest.dynamicTest(sample.getFileName().toString(), () -> {
            Run run = explain(sample.toString(), "--seq", "64", "--peak-gflops", "100", "--bandwidth-gbs", "20");
            assertEquals(0, run.code(), run.err());
            AttnModel model = Attnc.compile(sample).orElseThrow();
            List<String> lines = run.out().lines().toList();
            assertTrue(lines.get(0).startsWith(model.name() + " from " + sample + " at "), lines.get(0));
            assertTrue(lines.get(1).startsWith("machine: peak 100 GFLOP/s, bandwidth 20.0 GB/s, ridge point 5.0 FLOP/B (given)"),
                    lines.get(1));
            int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("node ")).findFirst().orElseThrow());
            assertTrue(lines.get(header).matches("node +op +shape +at T=64.* +FLOPs +read +written +FLOP/B +bound +time"),
                    lines.get(header));
            List<Node> nodes = model.fusedGraph().nodes();
            for (int index = 0; index < nodes.size(); index++) {
                String row = lines.get(header + 1 + index);
                assertTrue(row.startsWith("%" + nodes.get(index).id() + " "), row);
                assertTrue(row.contains(" " + nodes.get(index).op().spelling()), row);
                assertTrue(row.matches(".*(compute|memory| -) +[0-9.]+ ?(s|ms|us)?$"), row);
            }
            assertTrue(lines.get(header + 1 + nodes.size()).matches("-+"));
            assertTrue(lines.get(header + 2 + nodes.size()).startsWith("total "));
            long attentions = nodes.stream().filter(n -> n.op() == Op.ATTENTION).count();
            assertEquals(attentions > 0, run.out().contains("fused attention: "), run.out());
            assertEquals(attentions, lines.stream().filter(l -> l.contains("saved ")).count(), run.out());
        }));
    }

    @Test
    void linearFlopsAndBytesMatchTheFormula() {
        AttnModel model = Attnc.compile("""
                model L {
                  dim T
                  input x : [T, 64]
                  param fc : linear(64, 128) from "fc"
                  param g : linear(128, 32, bias = false) from "g"
                  y = g(gelu(fc(x)))
                  output y
                }
                """).orElseThrow();
        long t = 10;
        Explanation explanation = model.explain(t, MACHINE);
        Explanation.Row fc = row(explanation, "linear+gelu");
        assertEquals(2 * t * 64 * 128 + t * 128 + 8 * t * 128, fc.flops(), "matmul, bias, gelu (8 per element)");
        assertEquals(4 * (t * 64 + 64 * 128 + 128), fc.bytesRead(), "input, weight, bias");
        assertEquals(4 * t * 128, fc.bytesWritten());
        Explanation.Row g = row(explanation, "linear");
        assertEquals(2 * t * 128 * 32, g.flops());
        assertEquals(4 * (t * 128 + 128 * 32), g.bytesRead());
        assertEquals((double) g.flops() / (g.bytesRead() + g.bytesWritten()), g.intensity(), 1e-12);
        assertEquals(g.intensity() >= 5 ? Explanation.Bound.COMPUTE : Explanation.Bound.MEMORY, g.bound());
        assertEquals(Math.max(g.flops() / 100e9, (g.bytesRead() + g.bytesWritten()) / 20e9), g.seconds(), 1e-15);
    }

    @Test
    void causalAttentionFlopsMatchTheFormula() {
        AttnModel gpt2 = Attnc.compile(Repo.path("samples/gpt2_block/gpt2_block.attn")).orElseThrow();
        long t = 2048;
        Explanation explanation = gpt2.explain(t, MACHINE);
        Explanation.Row attention = row(explanation, "attention");
        long pairs = t * (t + 1) / 2;
        long heads = 12;
        long headDim = 64;
        // q.k (2d), p.v (2dv), scale and online softmax (5) per visited pair; the final division per query and head.
        assertEquals(heads * pairs * (2 * headDim + 2 * headDim + 5) + heads * t * headDim, attention.flops());
        assertEquals(4 * 3 * t * 768, attention.bytesRead(), "q, k and v once");
        assertEquals(4 * 3 * t * 768, attention.bytesWritten(), "the output and the KV cache (k and v)");
        AttentionCost saved = explanation.attention().get(0);
        assertEquals(pairs, saved.pairs());
        assertTrue(saved.exact());
        assertEquals(4 * heads * pairs, saved.scoreBytes(), "causal: about half of T x T");
        assertEquals(4 * heads * t * t, saved.denseBytes());
        assertEquals(saved.scoreBytes(), explanation.totals().scoresNotStored());
        assertFalse(explanation.notes().isEmpty(), "T = 2048 is above gpt2_block's bound of 1024");

        Explanation.Row fc = row(explanation, "linear+gelu_tanh");
        assertEquals(2 * t * 768 * 3072 + t * 3072 + 8 * t * 3072, fc.flops());
        long total = explanation.rows().stream().mapToLong(Explanation.Row::flops).sum();
        assertEquals(total, explanation.totals().flops());
    }

    /**
     * A relative table adds, per head, 2d FLOPs for each product of a query with a clipped
     * distance it meets (counted here by brute force: the distinct clamp(i - j, -K, K) over the
     * keys j each query sees) and 1 per pair to add it to the score.
     */
    @Test
    void relativeTermsCountTheirProductsOncePerDistance() {
        for (String mask : List.of("mask causal", "mask causal && i - j < 40", "")) {
            AttnModel model = Attnc.compile("""
                    model Rel {
                      const D = 64, H = 4, Dh = D / H, K = 16
                      dim T
                      input x : [T, D]
                      param rel : [2 * K + 1, Dh]
                      y = attention(x, x, x, heads = H) {
                        relative rel
                        %s
                      }
                      output y
                    }
                    """.formatted(mask)).orElseThrow();
            long t = 100;
            long heads = 4;
            long headDim = 16;
            long clip = 16;
            long pairs = 0;
            long distances = 0;
            for (long i = 0; i < t; i++) {
                java.util.Set<Long> met = new java.util.HashSet<>();
                for (long j = 0; j < t; j++) {
                    boolean visible = mask.isEmpty() || j <= i && (!mask.contains("40") || i - j < 40);
                    if (visible) {
                        pairs++;
                        met.add(Math.max(-clip, Math.min(clip, i - j)));
                    }
                }
                distances += met.size();
            }
            Explanation.Row attention = row(model.explain(t, MACHINE), "attention");
            // Per pair: q.k (2d), p.v (2dv), scale and online softmax (5), the relative term's add (1).
            long expected = heads * pairs * (2 * headDim + 2 * headDim + 5 + 1) + heads * t * headDim
                    + heads * distances * 2 * headDim;
            assertEquals(expected, attention.flops(), "mask `" + mask + "`");
            assertTrue(attention.cost().note().contains(String.format("relative rel: %,d query-by-distance products per head",
                    distances)), attention.cost().note());
        }
    }

    /** A sink adds one logit per query and head: reading sinks[h] (no arithmetic), then max, exp and add: 3. */
    @Test
    void aSinkCountsOneLogitPerQueryAndHead() {
        String text = """
                model Sink {
                  const D = 64, H = 4
                  dim T
                  input x : [T, D]
                  param sinks : [H]
                  y = attention(x, x, x, heads = H) {
                    mask causal
                    %s
                  }
                  output y
                }
                """;
        long t = 100;
        Explanation.Row without = row(Attnc.compile(text.formatted("")).orElseThrow().explain(t, MACHINE), "attention");
        Explanation.Row with = row(Attnc.compile(text.formatted("sink sinks[h]")).orElseThrow().explain(t, MACHINE), "attention");
        assertEquals(4L * t * 3, with.flops() - without.flops(), "per query and head: max, exp, add");
        assertTrue(with.cost().note().contains("sink sinks[h]: one more logit per query and head"), with.cost().note());
        Explanation.Row scaled = row(Attnc.compile(text.formatted("sink 2.0 * sinks[h]")).orElseThrow().explain(t, MACHINE),
                "attention");
        assertEquals(4L * t * 4, scaled.flops() - without.flops(), "a multiply in the sink's expression counts too");
    }

    @Test
    void slidingWindowCountsOnlyTheWindow() {
        AttnModel model = Attnc.compile(Repo.path("samples/sliding_window/sliding_window.attn")).orElseThrow();
        long t = 1000;
        long w = 256;
        AttentionCost saved = model.explain(t, MACHINE).attention().get(0);
        assertEquals(w * (w + 1) / 2 + (t - w) * w, saved.pairs(), "min(i + 1, W) keys for query i");
        assertEquals(4L * 8 * saved.pairs(), saved.scoreBytes());
    }

    @Test
    void repeatsMultiplyAndInputMasksAreUpperBounds() {
        AttnModel minilm = Attnc.compile(Repo.path("samples/minilm/minilm.attn")).orElseThrow();
        Explanation explanation = minilm.explain(32, MACHINE);
        Explanation.Row attention = row(explanation, "attention");
        assertEquals(6, attention.runs());
        assertEquals(6 * attention.cost().flops(), attention.flops());
        AttentionCost saved = explanation.attention().get(0);
        assertFalse(saved.exact(), "attention_mask[j] != 0 depends on the input");
        assertEquals(32 * 32, saved.pairs());
    }

    @Test
    void jsonParsesAndAgreesWithTheTable() throws ReflectiveOperationException {
        Run run = explain(Repo.path("samples/gpt2_block/gpt2_block.attn").toString(), "--seq", "128", "--format", "json",
                "--peak-gflops", "100", "--bandwidth-gbs", "20");
        assertEquals(0, run.code(), run.err());
        JsonObject root = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals("Gpt2Block", root.get("model").getAsString());
        assertEquals(128, root.getAsJsonObject("dims").get("T").getAsLong());
        assertEquals(5.0, root.getAsJsonObject("machine").get("ridge_flops_per_byte").getAsDouble());
        JsonArray nodes = root.getAsJsonArray("nodes");
        Explanation explanation = Attnc.compile(Repo.path("samples/gpt2_block/gpt2_block.attn")).orElseThrow()
                .explain(128, MACHINE);
        assertEquals(explanation.rows().size(), nodes.size());
        long flops = 0;
        for (JsonElement element : nodes) {
            JsonObject node = element.getAsJsonObject();
            flops += node.get("flops").getAsLong();
            assertNotNull(node.get("bound").getAsString());
        }
        assertEquals(explanation.totals().flops(), flops);
        assertEquals(flops, root.getAsJsonObject("totals").get("flops").getAsLong());
        JsonObject attention = root.getAsJsonArray("attention").get(0).getAsJsonObject();
        assertEquals(128 * 129 / 2, attention.get("pairs_per_head").getAsLong());
        assertTrue(root.getAsJsonArray("notes").isEmpty());
    }

    @Test
    void usageErrorsAndBadModels() throws Exception {
        Path sample = Repo.path("samples/alibi/alibi.attn");
        assertEquals(2, explain(sample.toString(), "--format", "xml", "--peak-gflops", "1", "--bandwidth-gbs", "1").code());
        assertEquals(2, explain(sample.toString(), "--peak-gflops", "100").code());
        assertEquals(2, explain(sample.toString(), "--seq", "0", "--peak-gflops", "1", "--bandwidth-gbs", "1").code());
        assertEquals(2, explain(sample.toString(), "--backend", "cuda").code());
        Path bad = Files.createTempFile("bad", ".attn");
        Files.writeString(bad, "model M {\n  output y\n}\n");
        Run run = explain(bad.toString(), "--peak-gflops", "1", "--bandwidth-gbs", "1");
        assertEquals(1, run.code());
        assertTrue(run.err().contains(":2:10: error: unknown name `y`"), run.err());
        Files.delete(bad);
        Run tornado = explain(sample.toString(), "--backend", "tornadovm", "--seq", "8");
        assertEquals(0, tornado.code(), tornado.err());
        assertTrue(tornado.out().contains("TornadoVM backend"), tornado.out());
        assertTrue(tornado.out().contains("note: TornadoVM runs on a GPU"), tornado.out());
    }

    @Test
    void measuringTakesUnderASecondOrSo() {
        long start = System.nanoTime();
        Machine machine = Machine.measure();
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 3, "took " + seconds + " s");
        assertTrue(machine.peakGflops() > 0.1 && machine.bandwidthGbs() > 0.1, machine.toString());
        assertTrue(machine.source().startsWith("measured on "), machine.source());
    }

    @Test
    void numbersReadWell() {
        assertEquals("0", ExplainFormat.si(0, ""));
        assertEquals("512", ExplainFormat.si(512, ""));
        assertEquals("6.57 G", ExplainFormat.si(6_573_060_096.0, ""));
        assertEquals("12.6 MB", ExplainFormat.si(12_582_912, "B"));
        assertEquals("101 MB", ExplainFormat.si(100_712_448, "B"));
        assertEquals("8.19 kB", ExplainFormat.si(8192, "B"));
    }

    private static Explanation.Row row(Explanation explanation, String op) {
        List<Explanation.Row> rows = new ArrayList<>(explanation.rows().stream().filter(r -> r.op().equals(op)).toList());
        assertFalse(rows.isEmpty(), "no " + op + " in " + explanation.rows());
        return rows.get(0);
    }
}
