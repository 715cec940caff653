package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The workers: every item runs once, failures reach the caller, nested and concurrent calls neither deadlock nor lose work, idle workers park. */
class ThreadsTest {

    @Test
    void everyItemRunsExactlyOnceInChunksOfAtLeastTheGrainAndNeverOneWorkerTwiceAtOnce() {
        for (int grain : new int[] {1, 3}) {
            for (int items : new int[] {1, 2, 3, 7, 64, 1001}) {
                for (int call = 0; call < 50; call++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(items);
                    AtomicIntegerArray busy = new AtomicIntegerArray(Threads.count());
                    AtomicIntegerArray chunks = new AtomicIntegerArray(1);
                    int chunkGrain = grain;
                    Threads.parallel(items, grain, (from, to, worker) -> {
                        assertTrue(worker >= 0 && worker < Threads.count(), "worker " + worker);
                        assertEquals(0, busy.getAndIncrement(worker), "worker " + worker + " runs two chunks at once");
                        assertTrue(to - from >= Math.min(items, chunkGrain), "chunk " + from + ".." + to + " below the grain");
                        chunks.incrementAndGet(0);
                        for (int i = from; i < to; i++) {
                            runs.incrementAndGet(i);
                        }
                        busy.decrementAndGet(worker);
                    });
                    for (int i = 0; i < items; i++) {
                        assertEquals(1, runs.get(i), items + " items, call " + call + ": runs of item " + i);
                    }
                    int most = Math.max(1, items / grain);
                    int expected = Threads.count() == 1 || most == 1 ? 1
                            : Math.min(most, Math.min(Threads.count(), most) * Threads.CHUNKS_PER_WORKER);
                    assertEquals(expected, chunks.get(0), items + " items, grain " + grain + ": chunks");
                }
            }
        }
    }

    @Test
    void balancedRunsEveryItemOnceAndNeverOneWorkerTwiceAtOnce() {
        for (int items : new int[] {1, 2, 5, 64, 1001}) {
            for (int call = 0; call < 50; call++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(items);
                AtomicIntegerArray busy = new AtomicIntegerArray(Threads.count());
                AtomicIntegerArray chunks = new AtomicIntegerArray(1);
                Threads.balanced(items, (from, to, worker) -> {
                    assertEquals(0, busy.getAndIncrement(worker), "worker " + worker + " runs two chunks at once");
                    chunks.incrementAndGet(0);
                    for (int i = from; i < to; i++) {
                        runs.incrementAndGet(i);
                    }
                    busy.decrementAndGet(worker);
                });
                for (int i = 0; i < items; i++) {
                    assertEquals(1, runs.get(i), items + " items, call " + call + ": runs of item " + i);
                }
                int expected = Threads.count() == 1 ? 1 : Math.min(items, Threads.count() * Threads.CHUNKS_PER_WORKER);
                assertEquals(expected, chunks.get(0), items + " items: chunks");
            }
        }
    }

    @Test
    void aFailingChunkFailsTheCallAndTheWorkersCarryOn() {
        for (int round = 0; round < 200; round++) {
            int failing = round % 8;
            // Whichever thread runs the failing chunk (the caller or a worker), the failure reaches the caller.
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    Threads.parallel(8, 1, (from, to, worker) -> {
                        if (from == failing) {
                            throw new IllegalStateException("chunk " + from + " failed");
                        }
                    }));
            assertEquals("chunk " + failing + " failed", thrown.getMessage());
        }
        AssertionError error = assertThrows(AssertionError.class, () ->
                Threads.balanced(64, (from, to, worker) -> {
                    if (to == 64) {
                        throw new AssertionError("last chunk");
                    }
                }));
        assertEquals("last chunk", error.getMessage());
        AtomicIntegerArray runs = new AtomicIntegerArray(100);
        Threads.parallel(100, 1, (from, to, worker) -> {
            for (int i = from; i < to; i++) {
                runs.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, runs.get(i), "item " + i + " after a failure");
        }
    }

    @Test
    void aCallFromInsideAChunkRunsThereWithThatChunksWorker() {
        int outer = 2 * Threads.count();
        AtomicIntegerArray mismatches = new AtomicIntegerArray(1);
        AtomicIntegerArray inner = new AtomicIntegerArray(outer * 10);
        Threads.parallel(outer, 1, (from, to, worker) -> {
            Thread thread = Thread.currentThread();
            for (int o = from; o < to; o++) {
                int outerItem = o;
                Threads.parallel(10, 1, (innerFrom, innerTo, innerWorker) -> {
                    if (innerWorker != worker || Thread.currentThread() != thread || innerFrom != 0 || innerTo != 10) {
                        mismatches.incrementAndGet(0);
                    }
                    for (int i = innerFrom; i < innerTo; i++) {
                        inner.incrementAndGet(outerItem * 10 + i);
                    }
                });
            }
        });
        assertEquals(0, mismatches.get(0), "nested calls that left their thread or worker index");
        for (int i = 0; i < inner.length(); i++) {
            assertEquals(1, inner.get(i), "nested item " + i);
        }
    }

    @Test
    void concurrentCallersAllFinishWithEveryItemOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            List<Thread> callers = new ArrayList<>();
            AtomicIntegerArray wrong = new AtomicIntegerArray(1);
            for (int c = 0; c < 4; c++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    for (int call = 0; call < 300; call++) {
                        int items = 1 + call % 37;
                        AtomicIntegerArray runs = new AtomicIntegerArray(items);
                        Threads.parallel(items, 1, (from, to, worker) -> {
                            for (int i = from; i < to; i++) {
                                runs.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < items; i++) {
                            if (runs.get(i) != 1) {
                                wrong.incrementAndGet(0);
                            }
                        }
                    }
                }));
            }
            for (Thread caller : callers) {
                caller.join();
            }
            assertEquals(0, wrong.get(0), "items not run exactly once");
        });
    }
    /** Many hand-offs in a row from two caller threads taking turns, as two models decoding at once: none lost, none stuck. */
    @Test
    void rapidHandOffsFromTwoCallerThreadsNeitherLoseWorkNorHang() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            AtomicLong total = new AtomicLong();
            List<Thread> callers = new ArrayList<>();
            long[] expected = new long[1];
            for (int c = 0; c < 2; c++) {
                int items = 2 + c;
                callers.add(Thread.ofPlatform().start(() -> {
                    for (int call = 0; call < 20_000; call++) {
                        if (call % 5000 == 4999) {
                            LockSupport.parkNanos(2 * Threads.YIELD_NANOS); // let the workers park, then wake them
                        }
                        Threads.parallel(items, 1, (from, to, worker) -> total.addAndGet(to - from));
                    }
                }));
                expected[0] += 20_000L * items;
            }
            for (Thread caller : callers) {
                caller.join();
            }
            assertEquals(expected[0], total.get(), "items run");
        });
    }

    /** A worker waits a bounded time, then parks: an idle model holds no core. */
    @Test
    void idleWorkersPark() throws InterruptedException {
        Assumptions.assumeTrue(Threads.count() > 1, "needs 2 or more kernel threads (attnc.threads or cores): this JVM has 1");
        Threads.parallel(Threads.count() * 4, 1, (from, to, worker) -> { });
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<Thread> workers;
        do {
            Thread.sleep(5);
            workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("attnc-kernel-")).toList();
        } while (System.nanoTime() < deadline && workers.stream().anyMatch(t -> t.getState() != Thread.State.WAITING));
        assertEquals(Threads.count() - 1, workers.size(), "worker threads");
        for (Thread worker : workers) {
            assertEquals(Thread.State.WAITING, worker.getState(), worker.getName() + " still running 20 s after its last chunk");
        }
    }
    /** With {@code -Dattnc.threads=1} no worker thread starts and every call runs on its caller as worker 0 (a JVM of its own). */
    @Test
    void oneThreadStartsNoWorkerAndRunsEverythingOnTheCaller() throws Exception {
        String command = ProcessHandle.current().info().command().orElse(null);
        Assumptions.assumeTrue(command != null, "needs the path of this JVM's java command to start a second JVM");
        Process process = new ProcessBuilder(command, "-Dattnc.threads=1", "-cp", System.getProperty("java.class.path"),
                SingleThreaded.class.getName()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the second JVM did not finish");
        assertEquals("ok", output.strip(), "output of the -Dattnc.threads=1 JVM");
        assertEquals(0, process.exitValue());
    }

    /** The body of {@link #oneThreadStartsNoWorkerAndRunsEverythingOnTheCaller}: prints "ok" or what went wrong. */
    public static final class SingleThreaded {
        public static void main(String[] args) {
            Thread caller = Thread.currentThread();
            List<String> wrong = new ArrayList<>();
            Threads.Chunk check = (from, to, worker) -> {
                if (Thread.currentThread() != caller || worker != 0 || from != 0 || to != 100) {
                    wrong.add(Thread.currentThread().getName() + " worker " + worker + " " + from + ".." + to);
                }
            };
            Threads.parallel(100, 1, check);
            Threads.balanced(100, check);
            if (Threads.count() != 1) {
                wrong.add("count " + Threads.count());
            }
            Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("attnc-kernel-"))
                    .forEach(t -> wrong.add("worker thread " + t.getName()));
            System.out.println(wrong.isEmpty() ? "ok" : String.join("; ", wrong));
        }
    }
}
