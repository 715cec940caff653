package dev.attnc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.passes.Pipeline;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The textual IR of --dump-ir: one node per line with its type and attributes, regions as indented blocks. */
class IrPrinterTest {
    private static final String SMALL = """
            model Small {
              const D = 64
              dim T <= 32
              input x : [T, D]
              input len : int
              repeat 2 as layer {
                param fc : linear(D, D) from "layers.{layer}.fc"
                x = x + gelu(fc(x)) * 0.5
              }
              y = attention(x, x, x, heads = 4) { mask j < len }
              output y
            }
            """;

    private static Graph small() {
        FrontEnd.Result result = FrontEnd.check(new SourceFile("dir/small.attn", SMALL));
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        return result.models().get(0).graph();
    }

    private static void assertLine(String printed, String line) {
        assertTrue(printed.lines().anyMatch(l -> l.equals(line)), () -> "no line\n" + line + "\nin\n" + printed);
    }

    @Test
    void aSmallModelShowsParamsNodesTypesAttributesAndRegions() {
        String printed = IrPrinter.print(small());
        assertTrue(printed.startsWith("model Small\n"), printed);
        assertLine(printed, "  param #0 fc : linear bias=[64] weight=[64, 64] from \"layers.{layer}.fc\" per layer < 2");
        assertLine(printed, "  %0 x : [T, 64] = input {name=x}    ; small.attn:4");
        assertLine(printed, "  repeat 2 as layer carrying x %2 <- %6 {");
        assertLine(printed, "    %2 x : [T, 64] = carry %0 {name=x}    ; small.attn:8");
        assertLine(printed, "    %3 : [T, 64] = linear %2 {bias=true, from=layers.{layer}.fc, in=64, out=64, param=fc,"
                + " param_id=0, transposed=false}    ; small.attn:8");
        assertLine(printed, "    %4 : [T, 64] = gelu %3    ; small.attn:8");
        assertLine(printed, "    %5 : [T, 64] = mul %4 {scalar=0.5, scalar_side=right}    ; small.attn:8");
        assertLine(printed, "    %6 x : [T, 64] = add %2 %5    ; small.attn:8");
        assertLine(printed, "  }");
        assertTrue(printed.lines().anyMatch(l -> l.startsWith("  %7 y : [T, 64] = attention %6 %6 %6 %1 {")
                && l.contains("heads=4") && l.contains("head_dim=16") && l.contains("mask=j < len")
                && l.endsWith("; small.attn:10")), printed);
        assertLine(printed, "  %8 y : [T, 64] = output %7 {name=y}    ; small.attn:11");
        // Every node once, in order.
        for (int id = 0; id <= 8; id++) {
            String prefix = "%" + id + " ";
            assertEquals(1, printed.lines().filter(l -> l.strip().startsWith(prefix)).count(), prefix + "in\n" + printed);
        }
    }

    @Test
    void theDumpAfterPassesShowsFusedAttributes() {
        String printed = IrPrinter.print(Pipeline.run(small()));
        assertTrue(printed.lines().anyMatch(l -> l.contains("= linear ") && l.contains("activation=gelu")), printed);
        assertTrue(printed.contains("repeat 2 as layer carrying x "), printed);
    }

    @Test
    void aHandBuiltGraphPrintsExactly() {
        GraphBuilder builder = new GraphBuilder("Hand");
        Region outer = builder.region(Region.Kind.REPEAT, "repeat 2 as a");
        Region block = builder.region(Region.Kind.BLOCK, "block Mlp");
        Dim t = Dim.symbol("T");
        TensorType type = TensorType.floats(t, Dim.of(8));
        Node x = builder.add(Op.INPUT, List.of(), type, Map.of("name", "x"), null, List.of());
        Node carry = builder.add(Op.CARRY, List.of(x), type, Map.of("name", "x"), null, List.of(outer));
        Node relu = builder.add(Op.RELU, List.of(carry), type, Map.of(), null, List.of(outer, block));
        Node sum = builder.add(Op.ADD, List.of(carry, relu), type, Map.of(), null, List.of(outer));
        Node out = builder.add(Op.OUTPUT, List.of(sum), type, Map.of("name", "x", "b", "2"), null, List.of());
        builder.name(x, "x");
        builder.name(carry, "x");
        builder.name(sum, "x");
        builder.name(out, "x");
        builder.loop(new Loop(outer.id(), "a", 2, List.of(new Loop.Carry("x", carry.id(), sum.id()))));
        assertEquals("""
                model Hand
                  %0 x : [T, 8] = input {name=x}
                  repeat 2 as a carrying x %1 <- %3 {
                    %1 x : [T, 8] = carry %0 {name=x}
                    block Mlp {
                      %2 : [T, 8] = relu %1
                    }
                    %3 x : [T, 8] = add %1 %2
                  }
                  %4 x : [T, 8] = output %3 {b=2, name=x}
                """, IrPrinter.print(builder.build()));
    }

    @TestFactory
    Stream<DynamicTest> everySamplePrintsEveryNodeWithBalancedRegions() {
        return Repo.samples().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
            Graph graph = Repo.check(path.toString(), Repo.read(path)).models().get(0).graph();
            for (Graph g : List.of(graph, Pipeline.run(graph))) {
                String printed = IrPrinter.print(g);
                long nodeLines = printed.lines().filter(l -> l.strip().startsWith("%")).count();
                assertEquals(g.nodes().size(), nodeLines, printed);
                long opens = printed.lines().filter(l -> l.endsWith(" {")).count();
                long closes = printed.lines().filter(l -> l.strip().equals("}")).count();
                assertEquals(opens, closes, printed);
                long regions = g.nodes().stream().flatMap(n -> n.regions().stream()).distinct().count();
                assertEquals(regions, opens, "one block per region, as regions are contiguous\n" + printed);
                assertEquals(g.params().size(), printed.lines().filter(l -> l.startsWith("  param #")).count());
            }
        }));
    }
}
