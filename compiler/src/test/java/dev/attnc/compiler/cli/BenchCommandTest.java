package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import org.junit.jupiter.api.Test;

/** attnc bench prints a line per step and the total, as docs/performance.md shows. */
class BenchCommandTest {
    @Test
    void benchPrintsStepsAndTotal() {
        CliTest.Run run = CliTest.attnc("bench", Repo.path("samples/llama_block/llama_block.attn").toString(),
                "--seq", "16", "--iterations", "1");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("warming up..."), run.out());
        assertTrue(run.out().contains("a = attention"), run.out());
        assertTrue(run.out().contains("linear wq"), run.out());
        assertTrue(run.out().lines().anyMatch(line -> line.matches("total: [0-9.]+ ms, [0-9.]+ GFLOP/s")), run.out());
    }
}
