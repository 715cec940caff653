package dev.attnc.bench;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Target 6 of issue 5: causal attention at T = 32768, H = 12 (head dim 64) in a small heap.
 * One forward call, timed, while a sampler thread records the largest heap in use every 5 ms;
 * the heap pools' own peak counters are printed too. A [T, T] float buffer of one head alone
 * would be 4 GiB, so finishing under {@code -Xmx2g} shows none exists.
 *
 * <pre>
 * java -Xmx2g --add-modules jdk.incubator.vector -Dattnc.threads=2 \
 *     -cp bench/target/benchmarks.jar dev.attnc.bench.LongContext [T]
 * </pre>
 */
public final class LongContext {
    private LongContext() {
    }

    public static void main(String[] args) {
        int t = args.length > 0 ? Integer.parseInt(args[0]) : 32768;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.printf(Locale.ROOT, "causal attention, T = %d, H = 12, head dim 64, max heap %d MiB, attnc threads %s%n",
                t, memory.getHeapMemoryUsage().getMax() >> 20, System.getProperty("attnc.threads", "(all cores)"));
        Variant variant = Variant.CAUSAL;
        AttentionInputs in = new AttentionInputs(variant, t);
        long compileStart = System.nanoTime();
        Model model = Attnc.attention(variant, t);
        System.out.printf(Locale.ROOT, "compiled and loaded in %d ms%n", (System.nanoTime() - compileStart) / 1_000_000);
        Map<String, Tensor> inputs = Map.of(
                "q", Tensor.floats(in.q, t, Variant.WIDTH),
                "k", Tensor.floats(in.k, t, Variant.WIDTH),
                "v", Tensor.floats(in.v, t, Variant.WIDTH));

        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        AtomicLong peak = new AtomicLong(before);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        long start = System.nanoTime();
        Map<String, Tensor> out = model.forward(inputs);
        long elapsed = System.nanoTime() - start;
        running.set(false);
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);

        long poolPeaks = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                poolPeaks += pool.getPeakUsage().getUsed();
            }
        }
        float[] y = out.get("y").floatData();
        double checksum = 0;
        for (float value : y) {
            checksum += value;
        }
        double seconds = elapsed / 1e9;
        System.out.printf(Locale.ROOT, "forward: %.2f s, %.1f GFLOP/s on the %.0f GFLOP of the visible keys%n",
                seconds, variant.flops(t) / seconds / 1e9, variant.flops(t) / 1e9);
        System.out.printf(Locale.ROOT, "heap in use: %d MiB before the call (inputs, model), peak %d MiB sampled every 5 ms, "
                + "sum of the heap pools' peaks %d MiB%n", before >> 20, peak.get() >> 20, poolPeaks >> 20);
        System.out.printf(Locale.ROOT, "output [%d, 768], sum %.6e%n", t, checksum);
    }
}
