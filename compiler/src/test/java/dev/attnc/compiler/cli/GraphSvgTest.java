package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.Repo;
import dev.attnc.compiler.check.CheckedModel;
import dev.attnc.compiler.ir.Graph;
import dev.attnc.compiler.ir.Node;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** attnc graph draws an SVG: well-formed XML, a box per node and an arrow per edge. */
class GraphSvgTest {
    @TempDir
    Path dir;

    @Test
    void everySampleDrawsABoxPerNodeAndAnArrowPerEdge() throws Exception {
        try (var samples = Files.list(Repo.path("samples"))) {
            for (Path folder : samples.filter(Files::isDirectory).toList()) {
                try (var files = Files.list(folder)) {
                    for (Path attn : files.filter(p -> p.toString().endsWith(".attn")).toList()) {
                        Path svg = dir.resolve(folder.getFileName() + ".svg");
                        CliTest.Run run = CliTest.attnc("graph", attn.toString(), "-o", svg.toString());
                        assertEquals(Main.OK, run.code(), run.err());
                        Document document = parse(Files.readString(svg));
                        FrontEnd.Result checked = FrontEnd.check(SourceFiles.read(attn));
                        int nodes = 0;
                        int edges = 0;
                        for (CheckedModel model : checked.models()) {
                            Graph graph = model.graph();
                            nodes += graph.nodes().size();
                            for (Node node : graph.nodes()) {
                                edges += node.inputs().size();
                            }
                        }
                        assertEquals(nodes, document.getElementsByTagName("rect").getLength() - 1, attn + ": a box per node, and the background");
                        assertEquals(edges, document.getElementsByTagName("path").getLength() - 1, attn + ": an arrow per edge, and the arrow head");
                    }
                }
            }
        }
    }

    @Test
    void formatFollowsTheExtensionUnlessGiven() throws Exception {
        String model = Repo.path("samples/gpt2_block/gpt2_block.attn").toString();
        Path dot = dir.resolve("g.dot");
        assertEquals(Main.OK, CliTest.attnc("graph", model, "-o", dot.toString()).code());
        assertTrue(Files.readString(dot).startsWith("digraph "));
        CliTest.Run stdout = CliTest.attnc("graph", model, "--format", "svg");
        assertTrue(stdout.out().startsWith("<?xml"), stdout.out());
        CliTest.Run mermaid = CliTest.attnc("graph", model);
        assertTrue(mermaid.out().startsWith("flowchart") || mermaid.out().startsWith("graph"), mermaid.out());
        CliTest.Run bad = CliTest.attnc("graph", model, "--format", "png");
        assertEquals(Main.USAGE, bad.code());
        assertEquals("attnc: unknown --format 'png': use svg, mermaid or dot\n", bad.err());
    }

    @Test
    void textIsEscaped() throws Exception {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", GraphSvg.escape("a <b> & \"c\"\u0007\u009b"));
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
