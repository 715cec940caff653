package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options that cannot act are named, not silently dropped. */
class UnusedOptionsTest {
    private static final String BOUNDED = Repo.path("samples/llama_block/llama_block.attn").toString();   // dim T <= 2048

    @Test
    void maxSeqForBoundedDimsIsNamed(@TempDir Path dir) throws Exception {
        CliTest.Run compile = CliTest.attnc("compile", BOUNDED, "--max-seq", "4096", "-o", dir.toString());
        assertEquals(Main.OK, compile.code(), compile.err());
        assertTrue(compile.err().contains("attnc: warning: --max-seq 4096 is not used: every run-time dim declares its own bound (T <= 2048)"),
                compile.err());
        assertTrue(Files.list(dir).findAny().isPresent(), "still compiles");

        CliTest.Run run = CliTest.attnc("run", BOUNDED, "--seq", "4", "--max-seq", "4096");
        assertEquals(Main.OK, run.code(), run.err());
        assertTrue(run.err().contains("--max-seq 4096 is not used"), run.err());
    }

    @Test
    void maxSeqThatActsOrIsNotGivenSaysNothing(@TempDir Path dir) throws Exception {
        Path unbounded = dir.resolve("unbounded.attn");
        Files.writeString(unbounded, """
                model Unbounded {
                  dim T
                  input x : [T, 8]
                  param proj : linear(8, 8) from "proj"
                  y = proj(x)
                  output y
                }
                """);
        CliTest.Run used = CliTest.attnc("compile", unbounded.toString(), "--max-seq", "4096", "-o", dir.resolve("a").toString());
        assertEquals(Main.OK, used.code(), used.err());
        assertFalse(used.err().contains("--max-seq"), used.err());
        CliTest.Run absent = CliTest.attnc("compile", BOUNDED, "-o", dir.resolve("b").toString());
        assertFalse(absent.err().contains("--max-seq"), absent.err());
    }

    @Test
    void deviceWithoutTornadoVmIsNamed() {
        CliTest.Run run = CliTest.attnc("run", BOUNDED, "--seq", "4", "--backend", "tornadovm", "--device", "0:1");
        assertEquals(Main.OK, run.code(), run.err());
        assertTrue(run.out().contains("TornadoVM is not in this JVM, so its kernels run on the JVM and --device 0:1 is not used"),
                run.out());
    }
}
