package dev.attnc.compiler.codegen.tornadovm;

import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A measurement: gpt2_block's attention and its four linear layers, with the kernels generated
 * now against the former ones ({@link AttentionKernelHarness#BASELINE},
 * {@link LinearKernelHarness#BASELINE}), in one run, on the same seeded inputs. Prints one table:
 * per T, the best wall time of the executes after the first (kernel plus launch, no transfers),
 * the speed-up, and the largest difference between the two kernels' outputs relative to the
 * output's scale (so that a fast wrong kernel shows).
 *
 * <pre>
 * KernelSpeedRunner [--rows 256,1024] [--repeats 2]
 * </pre>
 *
 * In a JVM started with TornadoVM's argfile it runs on the default device (see docs/tornadovm.md
 * for the command); otherwise on attnc's JVM launcher. {@link KernelSpeedTest} runs it small.
 */
public final class KernelSpeedRunner {
    /** gpt2_block's linear layers: name, in, out. */
    private static final Object[][] LINEARS = {{"c_attn", 768, 2304}, {"c_proj", 768, 768}, {"c_fc", 768, 3072}, {"proj", 3072, 768}};

    private KernelSpeedRunner() {
    }

    /** One row of the table. */
    record Row(String what, int rows, double oldMs, double newMs, double difference) {
        double speedUp() {
            return oldMs / newMs;
        }
    }

    public static void main(String[] args) {
        List<Integer> rows = List.of(256, 1024);
        int repeats = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: KernelSpeedRunner [--rows 256,1024] [--repeats 2]");
                    System.exit(2);
                }
            }
        }
        List<Row> table = measure(rows, repeats, true);
        print(table, repeats);
    }

    static List<Row> measure(List<Integer> rowCounts, int repeats, boolean linear) {
        AttentionKernelHarness attention = AttentionKernelHarness.build();
        LinearKernelHarness linears = linear ? LinearKernelHarness.build() : null;
        List<Row> table = new ArrayList<>();
        for (int t : rowCounts) {
            SplittableRandom random = new SplittableRandom(42 + t);
            float[] q = values(random, AttentionKernelHarness.MAX_T * AttentionKernelHarness.Q_STRIDE);
            float[] k = values(random, AttentionKernelHarness.MAX_T * AttentionKernelHarness.WIDTH);
            float[] v = values(random, AttentionKernelHarness.MAX_T * AttentionKernelHarness.WIDTH);
            long[] oldNanos = new long[1];
            long[] newNanos = new long[1];
            float[] before = attention.run("attentionBaseline", q, k, v, t, repeats, oldNanos);
            float[] now = attention.run("attention_a", q, k, v, t, repeats, newNanos);
            table.add(new Row("attention (12 heads of 64, causal)", t, oldNanos[0] / 1e6, newNanos[0] / 1e6,
                    difference(before, now, t * AttentionKernelHarness.WIDTH)));
            if (!linear) {
                continue;
            }
            double oldTotal = 0;
            double newTotal = 0;
            double worst = 0;
            for (Object[] layer : LINEARS) {
                int in = (int) layer[1];
                int out = (int) layer[2];
                float[] x = values(random, t * in);
                float[] w = values(random, in * out);
                float[] b = values(random, out);
                float[] outBefore = linears.run(launch("linearBaseline", x, w, b, t, in, out, repeats), oldNanos);
                float[] outNow = linears.run(launch("linear", x, w, b, t, in, out, repeats), newNanos);
                double diff = difference(outBefore, outNow, t * out);
                table.add(new Row("linear " + layer[0] + " " + in + " -> " + out, t, oldNanos[0] / 1e6, newNanos[0] / 1e6, diff));
                oldTotal += oldNanos[0] / 1e6;
                newTotal += newNanos[0] / 1e6;
                worst = Math.max(worst, diff);
            }
            table.add(new Row("linear, the four layers", t, oldTotal, newTotal, worst));
        }
        return table;
    }

    private static LinearKernelHarness.Launch launch(String kernel, float[] x, float[] w, float[] b, int t, int in, int out,
            int repeats) {
        int[] grid = LinearKernelHarness.Launch.callGrid(t, out);
        // Rows from dims (-2), as generated code passes a run-time T.
        return new LinearKernelHarness.Launch(kernel, x, 0, in, w, b, TornadoKernels.FUNCTIONS.get("none"), new float[t * out], 0, out,
                -2, t, in, out, grid[0], grid[1], TornadoLinearWriter.GROUP, repeats);
    }

    static void print(List<Row> table, int repeats) {
        System.out.printf(Locale.ROOT, "gpt2_block's kernels on %s: former vs current, best of %d executes after the first%n",
                TornadoSupport.available() ? "TornadoVM's default device" : "attnc's JVM launcher", repeats);
        System.out.printf(Locale.ROOT, "%-36s %6s %12s %12s %9s %14s%n", "kernel", "T", "former ms", "current ms", "speed-up",
                "max diff/scale");
        for (Row row : table) {
            System.out.printf(Locale.ROOT, "%-36s %6d %12.2f %12.2f %8.1fx %14.1e%n", row.what(), row.rows(), row.oldMs(), row.newMs(),
                    row.speedUp(), row.difference());
        }
    }

    /** The largest difference over the first {@code n} values, relative to the largest magnitude of {@code reference}. */
    static double difference(float[] reference, float[] actual, int n) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(reference[i]));
            worst = Math.max(worst, Math.abs(reference[i] - actual[i]));
        }
        return scale == 0 ? Double.POSITIVE_INFINITY : worst / scale;
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
