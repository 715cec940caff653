package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: what it prints and the exit codes it promises. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run attnc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void checkAllSamplesExitsZero() {
        List<String> args = new ArrayList<>(List.of("check"));
        Repo.samples().forEach(p -> args.add(p.toString()));
        Run run = attnc(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertEquals("checked " + Repo.samples().size() + " files: no problems\n", run.out());
        assertEquals("", run.err());
    }

    @Test
    void errorsInTheInputExitOne() throws IOException {
        Path bad = dir.resolve("bad.attn");
        Files.writeString(bad, "model M {\n  dim T\n  input x : [T, 8]\n  y = x + relu(z)\n  output y\n}\n");
        Run run = attnc("check", bad.toString());
        assertEquals(1, run.code());
        assertEquals(bad + ":4:16: error: unknown name `z`\n"
                + "    4 |   y = x + relu(z)\n"
                + "      |                ^\n"
                + "checked 1 file: 1 error, 0 warnings\n", run.err());
    }

    @Test
    void warningsAloneExitZero() throws IOException {
        Path file = dir.resolve("warn.attn");
        Files.writeString(file, "model M {\n  dim T\n  input x : [T, 8]\n  param g : [8]\n  output x\n}\n");
        Run run = attnc("check", file.toString());
        assertEquals(0, run.code());
        assertTrue(run.err().contains("warning: param `g` is never used"), run.err());
        assertEquals("checked 1 file: 0 errors, 1 warning\n", run.out());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, attnc().code());
        assertEquals(2, attnc("check").code());
        assertEquals(2, attnc("frobnicate").code());
        Run missing = attnc("check", dir.resolve("nope.attn").toString());
        assertEquals(2, missing.code());
        assertEquals("attnc: no such file: " + dir.resolve("nope.attn") + "\n", missing.err());
        Run format = attnc("graph", Repo.samples().get(0).toString(), "--format", "png");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("unknown --format 'png'"), format.err());
    }

    @Test
    void graphWritesMermaidByDefaultAndDotOnRequest() throws IOException {
        Path sample = Repo.path("samples/gpt2_block/gpt2_block.attn");
        Run mermaid = attnc("graph", sample.toString());
        assertEquals(0, mermaid.code(), mermaid.err());
        assertTrue(mermaid.out().startsWith("flowchart TD\n"));
        assertTrue(mermaid.out().contains("subgraph s0[\"block Gpt2Layer\"]"), mermaid.out());
        assertTrue(mermaid.out().contains("a = attention heads=12 | mask: causal | kv cache<br/>[T, 768]"), mermaid.out());

        Path out = dir.resolve("g.dot");
        Run dot = attnc("graph", sample.toString(), "--format", "dot", "-o", out.toString());
        assertEquals(0, dot.code(), dot.err());
        assertEquals("", dot.out());
        String text = Files.readString(out);
        assertTrue(text.startsWith("digraph \"Gpt2Block\" {"), text);
        assertTrue(text.contains("label=\"block Gpt2Layer\""), text);
    }

    @Test
    void graphOfABadFileShowsDiagnosticsAndExitsOne() throws IOException {
        Path bad = dir.resolve("bad.attn");
        Files.writeString(bad, "model M {\n  output y\n}\n");
        Run run = attnc("graph", bad.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("unknown name `y`"), run.err());
        assertFalse(run.out().contains("flowchart"));
    }

    @Test
    void helpAndVersion() {
        Run help = attnc("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("check") && help.out().contains("graph"), help.out());
        assertEquals(0, attnc("--version").code());
    }
}
