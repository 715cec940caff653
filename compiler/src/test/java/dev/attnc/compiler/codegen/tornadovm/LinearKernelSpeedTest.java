package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.runtime.tornado.TornadoSupport;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A measurement, not a check (it asserts only that the kernels ran): GFLOP/s of the linear
 * kernels against the former one ({@link LinearKernelHarness#BASELINE}), in one run, at the
 * sizes of gpt2_block's MLP (768 -> 3072) for a prefill of 128 rows and a decoding step of 1.
 * Runs only when asked, with {@code -Dattnc.bench.linear=true}: on the JVM launcher by default,
 * on a real TornadoVM's default device in a JVM started with its argfile (the FP16 kernels there
 * only with {@code -Dattnc.device.fp16=true}, on a device with cl_khr_fp16 or CUDA).
 */
class LinearKernelSpeedTest {

    @Test
    void measure() {
        assumeTrue(Boolean.getBoolean("attnc.bench.linear"), "a measurement: run with -Dattnc.bench.linear=true");
        LinearKernelHarness harness = LinearKernelHarness.build();
        int inWidth = Integer.getInteger("attnc.bench.in", 768);
        int outWidth = Integer.getInteger("attnc.bench.out", 3072);
        int repeats = Integer.getInteger("attnc.bench.repeats", 5);
        System.out.printf(Locale.ROOT, "linear %d -> %d on %s, best of %d executes after the first%n", inWidth, outWidth,
                TornadoSupport.available() ? "TornadoVM's default device" : "the JVM launcher", repeats);
        for (int rows : new int[] {Integer.getInteger("attnc.bench.rows", 128), 1}) {
            TornadoLinearKernelsTest.Problem problem = TornadoLinearKernelsTest.Problem.random(1, rows, inWidth, outWidth, true,
                    TornadoKernels.FUNCTIONS.get("none"));
            // The problem's arrays are sized for 130 rows; bigger row counts get their own.
            if (rows > 130) {
                problem = new TornadoLinearKernelsTest.Problem(rows, inWidth, outWidth, true, problem.function(),
                        new float[5 + rows * (inWidth + 3)], problem.weight(), problem.biases(), new float[3 + rows * (outWidth + 2)],
                        5, inWidth + 3, 3, outWidth + 2);
            }
            boolean half = !TornadoSupport.available() || Boolean.getBoolean("attnc.device.fp16");
            for (String kernel : half ? new String[] {"linearBaseline", "linear", "linearHalf"} : new String[] {"linearBaseline", "linear"}) {
                long[] nanos = new long[1];
                // The row count from dims (as generated code passes it), or with -Dattnc.bench.constant=true as a constant,
                // which TornadoVM bakes into the kernel, folding the choice between the two ways.
                LinearKernelHarness.Launch launch = problem.launch(kernel, Boolean.getBoolean("attnc.bench.constant") ? rows : -2);
                harness.run(new LinearKernelHarness.Launch(launch.kernel(), launch.in(), launch.inAt(), launch.inStride(),
                        launch.weight(), launch.bias(), launch.function(), launch.out(), launch.outAt(), launch.outStride(),
                        launch.rows(), launch.count(), launch.inWidth(), launch.outWidth(), launch.groups(), launch.groupsDown(),
                        launch.groupSize(), repeats), nanos);
                double flops = 2.0 * rows * inWidth * outWidth;
                System.out.printf(Locale.ROOT, "  T = %-4d %-16s %9.3f ms %8.2f GFLOP/s%n", rows, kernel, nanos[0] / 1e6,
                        flops / nanos[0]);
            }
        }
    }
}
