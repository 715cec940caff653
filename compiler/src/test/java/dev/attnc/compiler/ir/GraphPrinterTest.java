package dev.attnc.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.passes.Pipeline;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Mermaid and DOT output is well-formed: balanced scopes, declared nodes, edges between declared nodes. */
class GraphPrinterTest {
    private static final Pattern MERMAID_SUBGRAPH = Pattern.compile("subgraph (\\w+)\\[\"([^\"]*)\"\\]");
    private static final Pattern MERMAID_NODE = Pattern.compile("(\\w+)(?:\\[\"([^\"]*)\"\\]|\\(\\[\"([^\"]*)\"\\]\\))");
    private static final Pattern MERMAID_EDGE = Pattern.compile("(\\w+) --> (\\w+)");
    private static final String DOT_STRING = "\"(?:[^\"\\\\\\n]|\\\\.)*\"";
    private static final Pattern DOT_NODE = Pattern.compile("(" + DOT_STRING + ") \\[label=(" + DOT_STRING + ")(, shape=oval)?\\];");
    private static final Pattern DOT_EDGE = Pattern.compile("(" + DOT_STRING + ") -> (" + DOT_STRING + ");");
    private static final Pattern DOT_CLUSTER = Pattern.compile("subgraph cluster_\\d+ \\{");
    private static final Pattern DOT_LABEL = Pattern.compile("label=" + DOT_STRING + ";");

    private static Graph graph(Path path) {
        FrontEnd.Result result = Repo.check(path.toString(), Repo.read(path));
        return result.models().get(0).graph();
    }

    private static List<Graph> sampleGraphs() {
        return Repo.samples().stream().map(GraphPrinterTest::graph).toList();
    }

    private record Shape(int nodes, int edges, int scopes) {
    }

    /** Parses Mermaid flowchart text line by line; fails on anything malformed. */
    static Shape checkMermaid(String text) {
        assertTrue(text.startsWith("flowchart TD\n"), text);
        assertTrue(text.endsWith("\n"), "ends with a newline");
        Deque<String> open = new ArrayDeque<>();
        Set<String> declared = new HashSet<>();
        Set<String> scopes = new HashSet<>();
        List<String[]> edges = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (String raw : lines.subList(1, lines.size())) {
            String line = raw.strip();
            Matcher m;
            if ((m = MERMAID_SUBGRAPH.matcher(line)).matches()) {
                assertTrue(scopes.add(m.group(1)), "subgraph id used twice: " + line);
                assertFalse(declared.contains(m.group(1)), "subgraph id is also a node: " + line);
                open.push(m.group(1));
            } else if (line.equals("end")) {
                assertFalse(open.isEmpty(), "`end` with no open subgraph");
                open.pop();
            } else if ((m = MERMAID_EDGE.matcher(line)).matches()) {
                edges.add(new String[] {m.group(1), m.group(2)});
            } else if ((m = MERMAID_NODE.matcher(line)).matches()) {
                assertTrue(declared.add(m.group(1)), "node declared twice: " + line);
                assertFalse(scopes.contains(m.group(1)), "node id is also a subgraph: " + line);
                String label = m.group(2) != null ? m.group(2) : m.group(3);
                assertFalse(label.isBlank(), "empty label: " + line);
            } else {
                fail("not a Mermaid statement: \"" + raw + "\"\n" + text);
            }
        }
        assertTrue(open.isEmpty(), "subgraphs left open: " + open);
        for (String[] edge : edges) {
            assertTrue(declared.contains(edge[0]), "edge from undeclared node " + edge[0]);
            assertTrue(declared.contains(edge[1]), "edge to undeclared node " + edge[1]);
        }
        return new Shape(declared.size(), edges.size(), scopes.size());
    }

    /** Checks quoting and braces of DOT text, then its statements line by line. */
    static Shape checkDot(String text) {
        // Braces outside strings balance and never go below zero; strings close on their line.
        int depth = 0;
        boolean inString = false;
        for (int index = 0; index < text.length(); index++) {
            char c = text.charAt(index);
            if (inString) {
                if (c == '\\') {
                    index++;
                } else if (c == '"') {
                    inString = false;
                } else if (c == '\n') {
                    fail("a string runs over a line break at " + index);
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                assertTrue(depth >= 0, "unbalanced } at " + index);
            }
        }
        assertFalse(inString, "unterminated string");
        assertEquals(0, depth, "unbalanced braces");

        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).matches("digraph " + DOT_STRING + " \\{"), lines.get(0));
        assertEquals("}", lines.get(lines.size() - 1));
        Set<String> declared = new HashSet<>();
        List<String[]> edges = new ArrayList<>();
        int scopes = 0;
        for (String raw : lines.subList(1, lines.size() - 1)) {
            String line = raw.strip();
            Matcher m;
            if ((m = DOT_NODE.matcher(line)).matches()) {
                assertTrue(declared.add(m.group(1)), "node declared twice: " + line);
            } else if ((m = DOT_EDGE.matcher(line)).matches()) {
                edges.add(new String[] {m.group(1), m.group(2)});
            } else if (DOT_CLUSTER.matcher(line).matches()) {
                scopes++;
            } else if (!(line.equals("}") || DOT_LABEL.matcher(line).matches() || line.equals("rankdir=TB;")
                    || line.startsWith("node [") && line.endsWith("];"))) {
                fail("not a DOT statement: \"" + raw + "\"\n" + text);
            }
        }
        for (String[] edge : edges) {
            assertTrue(declared.contains(edge[0]), "edge from undeclared node " + edge[0]);
            assertTrue(declared.contains(edge[1]), "edge to undeclared node " + edge[1]);
        }
        return new Shape(declared.size(), edges.size(), scopes);
    }

    private static int edgeCount(List<Graph> graphs) {
        return graphs.stream().mapToInt(g -> g.nodes().stream().mapToInt(n -> n.inputs().size()).sum()).sum();
    }

    private static int nodeCount(List<Graph> graphs) {
        return graphs.stream().mapToInt(g -> g.nodes().size()).sum();
    }

    @TestFactory
    Stream<DynamicTest> everySampleDrawsWellFormed() {
        return Repo.samples().stream().flatMap(path -> {
            Graph checked = graph(path);
            Graph optimized = Pipeline.run(checked);
            String name = path.getFileName().toString();
            return Stream.of(checked, optimized).flatMap(g -> {
                String when = g == checked ? " as checked" : " after passes";
                List<Graph> one = List.of(g);
                return Stream.of(
                        DynamicTest.dynamicTest(name + when + " (mermaid)", () -> {
                            Shape shape = checkMermaid(GraphPrinter.print(one, GraphPrinter.Format.MERMAID));
                            assertEquals(nodeCount(one), shape.nodes());
                            assertEquals(edgeCount(one), shape.edges());
                        }),
                        DynamicTest.dynamicTest(name + when + " (dot)", () -> {
                            Shape shape = checkDot(GraphPrinter.print(one, GraphPrinter.Format.DOT));
                            assertEquals(nodeCount(one), shape.nodes());
                            assertEquals(edgeCount(one), shape.edges());
                        }));
            });
        });
    }

    @Test
    void allSamplesInOnePictureKeepTheirNodesApart() {
        List<Graph> graphs = sampleGraphs();
        Shape mermaid = checkMermaid(GraphPrinter.print(graphs, GraphPrinter.Format.MERMAID));
        assertEquals(nodeCount(graphs), mermaid.nodes());
        assertEquals(edgeCount(graphs), mermaid.edges());
        Shape dot = checkDot(GraphPrinter.print(graphs, GraphPrinter.Format.DOT));
        assertEquals(nodeCount(graphs), dot.nodes());
        assertEquals(edgeCount(graphs), dot.edges());
    }

    @Test
    void regionsAreDrawnAsBoxes() {
        Graph graph = graph(Repo.path("samples/minilm/minilm.attn"));
        String mermaid = GraphPrinter.print(List.of(graph), GraphPrinter.Format.MERMAID);
        assertTrue(checkMermaid(mermaid).scopes() >= 1, mermaid);
        assertTrue(mermaid.contains("[\"repeat 6 as layer\"]"), mermaid);
        String dot = GraphPrinter.print(List.of(graph), GraphPrinter.Format.DOT);
        assertTrue(checkDot(dot).scopes() >= 1, dot);
        assertTrue(dot.contains("label=\"repeat 6 as layer\";"), dot);
    }

    @Test
    void labelsWithQuotesAndAnglesStayInsideTheirStrings() {
        FrontEnd.Result result = FrontEnd.check(new SourceFile("quotes.attn", """
                model Quotes {
                  const D = 64, H = 4
                  dim T <= 32
                  input x : [T, D]
                  input keep : int[T]
                  param w : [D] from "odd \\"name\\" <here>"
                  y = attention(x, x, x, heads = H) { mask j <= i && keep[j] > 0 }
                  z = y * w
                  output z
                }
                """));
        assertFalse(result.diagnostics().hasErrors(), result.diagnostics().render());
        List<Graph> graphs = List.of(result.models().get(0).graph());
        String mermaid = GraphPrinter.print(graphs, GraphPrinter.Format.MERMAID);
        checkMermaid(mermaid);
        assertTrue(mermaid.contains("#lt;=") || mermaid.contains("#gt;"), mermaid);
        checkDot(GraphPrinter.print(graphs, GraphPrinter.Format.DOT));
    }

    @Test
    void titlesNameWhatMakesANodePrecise() {
        Graph graph = graph(Repo.path("samples/llama_block/llama_block.attn"));
        List<String> titles = graph.nodes().stream().map(GraphPrinter::title).toList();
        assertTrue(titles.contains("x: input"), titles.toString());
        assertTrue(titles.contains("x: output"), titles.toString());
        assertTrue(titles.contains("linear wk 576→192"), titles.toString());
        assertTrue(titles.contains("a = attention heads=9 kv_heads=3 | mask: causal | kv cache"), titles.toString());
        assertTrue(titles.contains("q = rope heads=9 half"), titles.toString());
        assertTrue(titles.stream().anyMatch(t -> t.matches("h = rmsnorm input_norm eps=1e-0?5")), titles.toString());
    }
}
