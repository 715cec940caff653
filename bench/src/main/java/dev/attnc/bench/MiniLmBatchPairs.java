package dev.attnc.bench;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cases of {@link MiniLmBatchBench} timed in one JVM, one op each in turn, round after
 * round (the order rotating every round), so that every ratio compares runs a few seconds
 * apart: on a shared machine whose load changes by minutes, paired ratios are steadier than
 * ratios of separate JMH runs. Prints each round's times and the median of each ratio.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dattnc.threads=2 \
 *     -cp bench/target/benchmarks.jar dev.attnc.bench.MiniLmBatchPairs [rounds] [warm-up rounds]
 * </pre>
 */
public final class MiniLmBatchPairs {
    private MiniLmBatchPairs() {
    }

    @FunctionalInterface
    interface Op {
        Object run() throws OrtException;
    }

    public static void main(String[] args) throws OrtException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        MiniLmBatchBench bench = new MiniLmBatchBench();
        MiniLmBatchBench.Batch batch = new MiniLmBatchBench.Batch();
        batch.setUp();
        MiniLmBatchBench.Sorted sorted8 = new MiniLmBatchBench.Sorted();
        sorted8.miniBatch = 8;
        sorted8.setUp();
        MiniLmBatchBench.Sorted sorted32 = new MiniLmBatchBench.Sorted();
        sorted32.miniBatch = 32;
        sorted32.setUp();
        String[] names = {"attncBatched", "attncOneByOne", "ortPadded", "ortSorted8", "ortSorted32"};
        Op[] ops = {() -> bench.attncBatched(batch), () -> bench.attncOneByOne(batch), () -> bench.ortPadded(batch),
                () -> bench.ortSorted(sorted8), () -> bench.ortSorted(sorted32)};
        int tokens = Arrays.stream(batch.sentences).mapToInt(s -> s.length).sum();
        int longest = Arrays.stream(batch.sentences).mapToInt(s -> s.length).max().orElseThrow();
        System.out.printf(Locale.ROOT, "%d sentences, %d tokens in all (%d padded to the longest, %d); %d warm-up rounds, %d rounds%n",
                batch.sentences.length, tokens, batch.sentences.length * longest, longest, warmups, rounds);
        for (int round = 0; round < warmups; round++) {
            for (Op op : ops) {
                op.run();
            }
        }
        List<double[]> times = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            double[] seconds = new double[ops.length];
            for (int k = 0; k < ops.length; k++) {
                int which = (k + round) % ops.length;
                long start = System.nanoTime();
                ops[which].run();
                seconds[which] = (System.nanoTime() - start) / 1e9;
            }
            times.add(seconds);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d:", round + 1));
            for (int k = 0; k < ops.length; k++) {
                line.append(String.format(Locale.ROOT, " %s %.2f s", names[k], seconds[k]));
            }
            System.out.println(line);
        }
        System.out.println();
        for (int k = 0; k < ops.length; k++) {
            final int op = k;
            double median = median(times.stream().mapToDouble(t -> t[op]).toArray());
            System.out.printf(Locale.ROOT, "%-14s median %.2f s per batch, %.1f sentences/s%n", names[k], median,
                    batch.sentences.length / median);
        }
        System.out.println();
        for (int base = 1; base < ops.length; base++) {
            final int other = base;
            double[] ratios = times.stream().mapToDouble(t -> t[other] / t[0]).toArray();
            Arrays.sort(ratios);
            System.out.printf(Locale.ROOT, "attncBatched sentences/s over %-14s median %.2f (rounds from %.2f to %.2f)%n",
                    names[base], median(ratios), ratios[0], ratios[ratios.length - 1]);
        }
        batch.tearDown();
        sorted8.tearDown();
        sorted32.tearDown();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
