package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every SIMD kernel gives the same bits when the interpreter runs it (the Vector API then
 * computes lane by lane in Java) as when C2 has compiled it (vector instructions and C2's own
 * intrinsics): {@code reduceLanes(ADD)} and {@code lanewise(TANH)} or {@code (EXP)} did not.
 *
 * <p>In a fresh JVM with C2 alone ({@code -XX:-TieredCompilation}), compiling in the foreground
 * ({@code -Xbatch}) once a method has run 200 times, each kernel's first call is interpreted
 * and its last of 1,000 is C2's; the compilation log must show the kernels compiled.
 */
class RepeatableKernelsTest {
    private static final int CALLS = 1_000;
    /** Kernels that must appear compiled in the log, or the comparison proved nothing. */
    private static final List<String> COMPILED = List.of("VectorKernels::dot", "VectorKernels::expShift",
            "AttentionKernels$Lanes::scoresFourVectors", "AttentionKernels$Lanes::softcap",
            "AttentionKernels$Lanes::exponentiate", "AttentionKernels$Lanes::fourByFour",
            // Dense weights take the eight-row tile where vectors are 512 bits wide, the six-row one elsewhere.
            PanelLinear.DENSE_PANEL == PanelLinear.PANEL ? "PanelLinear::sixRows" : "PanelLinear::eightRows");

    @Test
    void firstCallInterpretedAndLastCompiledByC2GiveTheSameBits(@TempDir Path scratch) throws Exception {
        Path report = scratch.resolve("report.txt");
        Path log = scratch.resolve("compilations.log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-XX:-TieredCompilation", "-Xbatch", "-XX:CompileThreshold=200", "-XX:+PrintCompilation", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), Integer.toString(CALLS), report.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String compilations = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished && process.exitValue() == 0,
                "the child JVM failed:\n" + compilations.substring(Math.max(0, compilations.length() - 4000)));
        for (String kernel : COMPILED) {
            assertTrue(compilations.lines().anyMatch(line -> line.contains(kernel + " ") && !line.contains("SKIPPED")),
                    kernel + " was never compiled by C2: the test compared nothing");
        }
        List<String> lines = Files.readAllLines(report, StandardCharsets.UTF_8);
        assertEquals(Child.kernels().keySet().size(), lines.size(), "one line per kernel:\n" + lines);
        List<String> differing = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (!fields[1].equals(fields[2])) {
                differing.add(fields[0] + " (digest " + fields[1] + " interpreted, " + fields[2] + " compiled)");
            }
        }
        assertEquals(List.of(), differing, "kernels whose C2 code gives other bits than the interpreter");
    }

    /**
     * Runs each kernel {@code calls} times on the same seeded inputs and writes, a line per
     * kernel, its name and the digests of its first and last results. Arguments: the number
     * of calls, the report file.
     */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] args) throws Exception {
            int calls = Integer.parseInt(args[0]);
            List<String> report = new ArrayList<>();
            for (Map.Entry<String, Supplier<float[]>> kernel : kernels().entrySet()) {
                long first = digest(kernel.getValue().get());
                long last = first;
                for (int call = 1; call < calls; call++) {
                    last = digest(kernel.getValue().get());
                }
                report.add(kernel.getKey() + " " + Long.toHexString(first) + " " + Long.toHexString(last));
            }
            Files.write(Path.of(args[1]), report, StandardCharsets.UTF_8);
        }

        private static long digest(float[] values) {
            long digest = 1;
            for (float value : values) {
                digest = digest * 31 + Float.floatToIntBits(value);
            }
            return digest;
        }

        private static float[] random(long seed, int n, double scale) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
            }
            return x;
        }

        /** Each kernel on small seeded inputs, sizes not multiples of the vector length; what it returns or writes. */
        static Map<String, Supplier<float[]>> kernels() {
            int q = AttentionKernels.QUERIES;
            Map<String, Supplier<float[]>> kernels = new LinkedHashMap<>();
            kernels.put("dot", () -> {
                // Forty sums of lanes: a single one may come out the same in two orders by chance.
                float[] scores = new float[40];
                Kernels.dots(random(1, 203, 1), 0, random(2, 40 * 211, 1), 0, 211, 40, 203, 1f, scores);
                return scores;
            });
            kernels.put("expShift", () -> {
                float[] s = random(3, 203, 5);
                float total = Kernels.expShift(s, 203, 2f);
                float[] out = Arrays.copyOf(s, 204);
                out[203] = total;
                return out;
            });
            kernels.put("axpy-scale", () -> {
                float[] y = random(4, 67, 1);
                Kernels.axpy(0.37f, random(5, 67, 1), 0, y, 0, 67);
                Kernels.scale(-1.5f, y, 0, 67);
                return y;
            });
            // 100 outputs: full panels of either width and a partial one; 13 rows: every row tile.
            kernels.put("linear", () -> {
                float[] out = new float[13 * 100];
                Kernels.linear(13, 40, 100, random(6, 13 * 40, 1), 0, 40, random(7, 100 * 40, 1), random(8, 100, 1),
                        Activation.GELU_TANH, out, 0, 100);
                return out;
            });
            // A full tile, and one of a vector and a bit: every path of the scores kernel.
            for (int queries : new int[] {q, q / 4 + 3}) {
                kernels.put("scores-" + queries, () -> {
                    float[] qT = new float[24 * q];
                    AttentionKernels.transposeQueries(random(9, queries * 24, 1), 0, 24, queries, 24, qT);
                    float[] s = new float[13 * q];
                    AttentionKernels.scores(qT, random(10, 13 * 24, 1), 0, 24, 13, queries, 24, 0.25f, s);
                    return s;
                });
            }
            kernels.put("distance-bias-softcap-mask", () -> {
                // Scores inside and beyond the polynomial part of the softcap's tanh.
                float[] s = random(11, 13 * q, 8);
                AttentionKernels.addDistanceBias(s, 5, 13, q, 9, -0.0625f);
                AttentionKernels.softcap(s, 13, q, 5f);
                int[] range = new int[2 * q];
                for (int r = 0; r < q; r++) {
                    range[r] = r % 4;
                    range[q + r] = 8 + r % 11;
                }
                AttentionKernels.maskOutside(s, 3, 13, q, range);
                return s;
            });
            kernels.put("accumulate", () -> {
                // Two blocks, the second past the first's max by more than the headroom for some queries.
                float[] max = new float[q];
                float[] sum = new float[q];
                Arrays.fill(max, Float.NEGATIVE_INFINITY);
                int width = 72;
                float[] acc = new float[q * width];
                AttentionKernels.accumulate(random(12, 13 * q, 3), 13, q - 1, max, sum, random(13, 13 * width, 1), 0, width,
                        width, acc);
                AttentionKernels.accumulate(random(14, 13 * q, 20), 13, q - 1, max, sum, random(15, 13 * width, 1), 0, width,
                        width, acc);
                float[] out = Arrays.copyOf(acc, acc.length + q);
                System.arraycopy(sum, 0, out, acc.length, q);
                return out;
            });
            return kernels;
        }
    }
}
