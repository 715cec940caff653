package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import dev.attnc.runtime.weights.SafetensorsFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 6: paths and numbers on the command line end in one line and exit 2, before
 * any work, and nothing the user had is replaced without --force (or, for compile, unless attnc
 * generated it).
 */
class CliPathsTest {
    @TempDir
    Path dir;

    private Path tiny() throws IOException {
        return Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
    }

    @Test
    void runOutMustNameAFileInAFolderThatExists() throws IOException {
        String model = tiny().toString();
        Map<String, String> before = Hostile.snapshot(dir);
        Hostile.assertOneLine(CliTest.attnc("run", model, "--out", "/"), Main.USAGE,
                "attnc: --out / is a folder; name a file in it");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--out", "."), Main.USAGE,
                "attnc: --out . is a folder; name a file in it");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--out", dir.toString()), Main.USAGE,
                "attnc: --out " + dir + " is a folder; name a file in it");
        Path missing = dir.resolve("missing/y.safetensors");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--out", missing.toString()), Main.USAGE,
                "attnc: --out " + missing + ": folder " + dir.resolve("missing") + " does not exist");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--out", "/dev/null", "--force"), Main.USAGE,
                "attnc: --out /dev/null exists and is not a regular file (a device, FIFO or broken link); name another file");
        assertEquals(before, Hostile.snapshot(dir));
    }

    @Test
    void runOutReplacesAFileOnlyWithForce() throws IOException {
        String model = tiny().toString();
        Path mine = Files.writeString(dir.resolve("y.safetensors"), "the user's own file");
        Map<String, String> before = Hostile.snapshot(dir);
        CliTest.Run refused = CliTest.attnc("run", model, "--out", mine.toString());
        Hostile.assertOneLine(refused, Main.USAGE, "attnc: --out " + mine + " exists; pass --force to replace it");
        assertEquals("", refused.out(), "refused before the model is compiled");
        assertEquals(before, Hostile.snapshot(dir));

        CliTest.Run forced = CliTest.attnc("run", model, "--out", mine.toString(), "--force");
        assertEquals(Main.OK, forced.code(), forced.err());
        try (SafetensorsFile written = SafetensorsFile.open(mine)) {
            assertEquals(16 * 8, written.tensor("x").size());
        }
    }

    @Test
    void dumpAttentionNeverWritesOverAFileOrIntoAFullFolder() throws IOException {
        String alibi = Repo.path("samples/alibi/alibi.attn").toString();
        Path file = Files.writeString(dir.resolve("maps"), "a file");
        Path full = dir.resolve("full");
        Files.createDirectories(full);
        Files.writeString(full.resolve("notes.txt"), "kept");
        Files.writeString(full.resolve("a_layer0_head00.png"), "not a png");
        Map<String, String> before = Hostile.snapshot(dir);
        Hostile.assertOneLine(CliTest.attnc("run", alibi, "--seq", "4", "--dump-attention", file.toString()), Main.USAGE,
                "attnc: --dump-attention " + file + " is a file, not a folder");
        Hostile.assertOneLine(CliTest.attnc("run", alibi, "--seq", "4", "--dump-attention", full.toString()), Main.USAGE,
                "attnc: --dump-attention " + full + " already holds files; name a new or empty folder, or pass --force to"
                        + " write into it");
        assertEquals(before, Hostile.snapshot(dir));

        CliTest.Run forced = CliTest.attnc("run", alibi, "--seq", "4", "--dump-attention", full.toString(), "--force");
        assertEquals(Main.OK, forced.code(), forced.err());
        assertEquals("kept", Files.readString(full.resolve("notes.txt")));
        assertNotEquals("not a png", new String(Files.readAllBytes(full.resolve("a_layer0_head00.png")), "ISO-8859-1"));
        try (Stream<Path> maps = Files.list(full)) {
            assertEquals(17, maps.count(), "16 maps and the notes");
        }
    }

    @Test
    void compileOutputMustBeAFolderAndReplacesOnlyWhatAttncGenerated() throws IOException {
        String model = tiny().toString();
        Path file = Files.writeString(dir.resolve("out.txt"), "a file");
        Map<String, String> before = Hostile.snapshot(dir);
        Hostile.assertOneLine(CliTest.attnc("compile", model, "-o", file.toString()), Main.USAGE,
                "attnc: -o " + file + " is a file, not a folder");
        assertEquals(before, Hostile.snapshot(dir));

        Path out = dir.resolve("gen");
        CliTest.Run first = CliTest.attnc("compile", model, "-o", out.toString(), "--package", "p");
        assertEquals(Main.OK, first.code(), first.err());
        assertEquals("wrote " + out.resolve("p/Tiny.java") + "\n", first.out());
        assertTrue(Files.readString(out.resolve("p/Tiny.java")).contains(CompileCommand.GENERATED_MARK),
                "compile replaces a source only if it carries the mark the generators write");
        CliTest.Run again = CliTest.attnc("compile", model, "-o", out.toString(), "--package", "p");
        assertEquals(Main.OK, again.code(), "attnc replaces what it generated: " + again.err());

        Files.writeString(out.resolve("p/Tiny.java"), "// mine\nclass Tiny {}\n");
        Map<String, String> handWritten = Hostile.snapshot(dir);
        Hostile.assertOneLine(CliTest.attnc("compile", model, "-o", out.toString(), "--package", "p"), Main.USAGE,
                "attnc: " + out.resolve("p/Tiny.java") + " exists and was not generated by attnc; remove it or choose another -o");
        assertEquals(handWritten, Hostile.snapshot(dir));
    }

    @Test
    void tornadoSourcesCarryTheMarkToo() throws IOException {
        Path out = dir.resolve("gen");
        CliTest.Run run = CliTest.attnc("compile", tiny().toString(), "-o", out.toString(), "--backend", "tornadovm");
        assertEquals(Main.OK, run.code(), run.err());
        assertTrue(Files.readString(out.resolve("attnc/models/TinyTornado.java")).contains(CompileCommand.GENERATED_MARK));
    }

    @Test
    void graphOutputFollowsTheSameRules() throws IOException {
        String model = tiny().toString();
        Path mine = Files.writeString(dir.resolve("g.mmd"), "mine");
        Map<String, String> before = Hostile.snapshot(dir);
        Hostile.assertOneLine(CliTest.attnc("graph", model, "-o", mine.toString()), Main.USAGE,
                "attnc: -o " + mine + " exists; pass --force to replace it");
        Hostile.assertOneLine(CliTest.attnc("graph", model, "-o", dir.toString()), Main.USAGE,
                "attnc: -o " + dir + " is a folder; name a file in it");
        assertEquals(before, Hostile.snapshot(dir));
        assertEquals(Main.OK, CliTest.attnc("graph", model, "-o", mine.toString(), "--force").code());
        assertTrue(Files.readString(mine).startsWith("flowchart"), Files.readString(mine));
    }

    @Test
    void embedOutIsCheckedBeforeTheModelLoads() throws IOException {
        Path missing = dir.resolve("missing/e.tsv");
        Path mine = Files.writeString(dir.resolve("e.tsv"), "mine");
        Map<String, String> before = Hostile.snapshot(dir);
        CliTest.Run run = CliTest.attnc("embed", "hello", "--out", missing.toString());
        Hostile.assertOneLine(run, Main.USAGE, "attnc: --out " + missing + ": folder " + dir.resolve("missing") + " does not exist");
        assertEquals("", run.out());
        Hostile.assertOneLine(CliTest.attnc("embed", "hello", "--out", mine.toString()), Main.USAGE,
                "attnc: --out " + mine + " exists; pass --force to replace it");
        Hostile.assertOneLine(CliTest.attnc("embed", "hello", "--out", dir.resolve("x.safetensors").toString(), "--model",
                dir.toString()), Main.USAGE, "attnc: --model " + dir + " is a folder, not a file");
        assertEquals(before, Hostile.snapshot(dir));
    }

    @Test
    void numbersOutOfRangeAreUsageErrors() throws IOException {
        String model = tiny().toString();
        Hostile.assertOneLine(CliTest.attnc("run", model, "--seq", "-1"), Main.USAGE, "attnc: --seq must be at least 1, not -1");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--seq", "0"), Main.USAGE, "attnc: --seq must be at least 1, not 0");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--max-seq", "0"), Main.USAGE,
                "attnc: --max-seq must be at least 1, not 0");
        Hostile.assertOneLine(CliTest.attnc("bench", model, "--seq", "0"), Main.USAGE, "attnc: --seq must be at least 1, not 0");
        Hostile.assertOneLine(CliTest.attnc("bench", model, "--iterations", "0"), Main.USAGE,
                "attnc: --iterations must be at least 1, not 0");
        Hostile.assertOneLine(CliTest.attnc("bench", model, "--threads", "0"), Main.USAGE,
                "attnc: --threads must be from 1 to 1024, not 0");
        Hostile.assertOneLine(CliTest.attnc("bench", model, "--threads", "100000"), Main.USAGE,
                "attnc: --threads must be from 1 to 1024, not 100000");
        Hostile.assertOneLine(CliTest.attnc("explain", model, "--seq", "9223372036854775807"), Main.USAGE,
                "attnc: --seq 9223372036854775807 is too large: Tiny's costs at it do not fit in a 64-bit count");
        Hostile.assertOneLine(CliTest.attnc("compile", model, "--max-seq", "0", "-o", dir.resolve("g").toString()), Main.USAGE,
                "attnc: --max-seq must be at least 1, not 0");
        CliTest.Run notAnInt = CliTest.attnc("run", model, "--seq", "99999999999");
        assertEquals(Main.USAGE, notAnInt.code());
        assertTrue(notAnInt.err().startsWith("attnc: Invalid value for option '--seq': '99999999999' is not an int\n"
                + "Try 'attnc run --help' for usage."), notAnInt.err());
    }

    @Test
    void inputFilesMustBeRegularFiles() throws IOException {
        String model = tiny().toString();
        Hostile.assertOneLine(CliTest.attnc("check", dir.toString()), Main.USAGE, "attnc: " + dir + " is a folder, not a file");
        Hostile.assertOneLine(CliTest.attnc("run", "/dev/zero"), Main.USAGE,
                "attnc: /dev/zero is not a regular file (a FIFO or a device?); name a file");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--weights", "/dev/zero"), Main.USAGE,
                "attnc: --weights /dev/zero is not a regular file (a FIFO or a device?); name a file");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--inputs", dir.toString()), Main.USAGE,
                "attnc: --inputs " + dir + " is a folder, not a file");
        Hostile.assertOneLine(CliTest.attnc("run", model, "--weights", dir.resolve("none").toString()), Main.USAGE,
                "attnc: --weights " + dir.resolve("none") + ": no such file");
    }

    @Test
    void aFifoNeverBlocks() throws IOException, InterruptedException {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo is needed for this test");
        Hostile.assertOneLine(CliTest.attnc("check", fifo.toString()), Main.USAGE,
                "attnc: " + fifo + " is not a regular file (a FIFO or a device?); name a file");
        Hostile.assertOneLine(CliTest.attnc("run", tiny().toString(), "--weights", fifo.toString()), Main.USAGE,
                "attnc: --weights " + fifo + " is not a regular file (a FIFO or a device?); name a file");
    }

    @Test
    void aHugeSourceIsRefusedWithoutReadingIt() throws IOException {
        Path huge = dir.resolve("huge.attn");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(1L << 32); // sparse: 4 GiB claimed, nothing stored
        }
        Hostile.assertOneLine(CliTest.attnc("check", huge.toString()), Main.USAGE,
                "attnc: " + huge + " is larger than 16 MiB; is it a .attn file?");
    }
}
