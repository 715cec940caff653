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
        assertTrue(run.out().contains("median ms"), run.out());
        assertTrue(run.out().lines().anyMatch(line -> line.matches(
                "total: median [0-9.]+ ms, best [0-9.]+ ms of 1 calls after [0-9]+ warm-up calls; [0-9.]+ GFLOP/s at the median")), run.out());
        assertTrue(run.out().contains("kernel thread"), run.out());
        assertTrue(!run.out().contains(" 1 kernel threads"), run.out());
    }

    /** One slow call moves neither the median nor the best: the per-step figures used to be means. */
    @Test
    void medianAndBestIgnoreOneSlowCall() {
        long[] times = {28, 27, 330, 29, 28};
        assertEquals(28.0, BenchCommand.median(times));
        assertEquals(27, BenchCommand.best(times));
        assertEquals(27.5, BenchCommand.median(new long[] {27, 28}));
    }

    @Test
    void warmUpWaitsUntilTimesSettle() {
        assertTrue(BenchCommand.settled(new long[] {100, 101, 104, 102, 100}));
        assertTrue(!BenchCommand.settled(new long[] {100, 101, 130, 102, 100}));
    }

    @Test
    void threadCountsReadAsEnglish() {
        assertEquals("1 kernel thread", BenchCommand.threadCount(1));
        assertEquals("2 kernel threads", BenchCommand.threadCount(2));
    }
}
