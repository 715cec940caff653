package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The workers: every item runs once, failures reach the caller, nested and concurrent calls neither deadlock nor lose work. */
class ThreadsTest {

    @Test
    void everyItemRunsExactlyOnceAndEachChunkHasItsOwnWorker() {
        for (int items : new int[] {1, 2, 3, 7, 64, 1001}) {
            for (int call = 0; call < 50; call++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(items);
                Set<Integer> workers = ConcurrentHashMap.newKeySet();
                Threads.parallel(items, 1, (from, to, worker) -> {
                    assertTrue(worker >= 0 && worker < Threads.count(), "worker " + worker);
                    assertTrue(workers.add(worker), "two chunks with worker " + worker);
                    for (int i = from; i < to; i++) {
                        runs.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < items; i++) {
                    assertEquals(1, runs.get(i), items + " items, call " + call + ": runs of item " + i);
                }
                assertEquals(Math.min(items, Threads.count()), workers.size(), items + " items: chunks");
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
        int last = Threads.count() - 1;
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                Threads.parallel(Threads.count(), 1, (from, to, worker) -> {
                    if (worker == last) {
                        throw new IllegalStateException("chunk " + worker + " failed");
                    }
                }));
        assertEquals("chunk " + last + " failed", thrown.getMessage());
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
        AtomicIntegerArray mismatches = new AtomicIntegerArray(1);
        AtomicIntegerArray inner = new AtomicIntegerArray(Threads.count() * 10);
        Threads.parallel(Threads.count(), 1, (from, to, worker) -> {
            Thread outer = Thread.currentThread();
            Threads.parallel(10, 1, (innerFrom, innerTo, innerWorker) -> {
                if (innerWorker != worker || Thread.currentThread() != outer || innerFrom != 0 || innerTo != 10) {
                    mismatches.incrementAndGet(0);
                }
                for (int i = innerFrom; i < innerTo; i++) {
                    inner.incrementAndGet(worker * 10 + i);
                }
            });
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
}
