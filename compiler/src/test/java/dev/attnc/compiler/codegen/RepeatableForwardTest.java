package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.FrontEnd;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.RandomWeights;
import dev.attnc.runtime.weights.WeightSource;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same input to the same loaded model gives the same bits on every call: on the first,
 * while the kernels still run in the interpreter (where the Vector API computes lane by lane in
 * Java), and after C2 has compiled them (where it uses vector instructions and its own
 * intrinsics); and with one kernel thread or two.
 *
 * <p>Each run is a fresh JVM with C2 alone ({@code -XX:-TieredCompilation}), compiling in the
 * foreground ({@code -Xbatch}) once a method has run 200 times, so that the first call is
 * interpreted and the last ones are C2's, whatever the load on the machine. Its compilation log
 * must show the attention kernels compiled, or the comparison would prove nothing.
 */
class RepeatableForwardTest {
    /**
     * Every kernel of a block: layer norm, linear layers with bias, attention with a distance
     * bias and a softcap scaled so that both branches of the kernel's tanh are taken, a causal
     * mask and two query tiles, the last one partial; GELU (tanh) in the MLP.
     */
    private static final String SOURCE = """
            model Repeatable {
              const D = 64, H = 4
              dim T <= 256

              input x : [T, D]

              param ln_1 : layernorm(D)     from "ln_1"
              param qkv  : linear(D, 3 * D) from "qkv"
              param out  : linear(D, D)     from "out"
              param ln_2 : layernorm(D)     from "ln_2"
              param up   : linear(D, 4 * D) from "up"
              param down : linear(4 * D, D) from "down"

              q, k, v = split(qkv(ln_1(x)), 3)
              a = attention(q, k, v, heads = H) {
                scale   4.0
                score   s - 0.125 * (i - j)
                softcap 2.0
                mask    causal
              }
              x = x + out(a)
              x = x + down(gelu_tanh(up(ln_2(x))))
              output x
            }
            """;

    /** D of the model. */
    private static final int WIDTH = 64;
    private static final int LENGTH = 100;
    private static final int CALLS = 60;

    @Test
    void callsAreBitIdenticalColdAndWarmAndAcrossThreadCounts(@TempDir Path scratch) throws Exception {
        SourceFile file = new SourceFile("repeatable.attn", SOURCE);
        FrontEnd.Result checked = FrontEnd.check(file);
        assertFalse(checked.diagnostics().hasErrors(), checked.diagnostics().render());
        JvmBackend.Generated generated = JvmBackend.generate(checked.models().get(0), file, JvmBackend.Options.defaults());
        InMemoryJavac.Result compiled = InMemoryJavac.compile(List.of(generated.file()), List.of(Model.class), List.of(), false);
        Path classes = scratch.resolve("classes");
        for (Map.Entry<String, byte[]> entry : compiled.bytes().entrySet()) {
            Path path = classes.resolve(entry.getKey().replace('.', '/') + ".class");
            Files.createDirectories(path.getParent());
            Files.write(path, entry.getValue());
        }
        // Both at once: each JVM spends most of its time in the interpreter, on one core.
        Process oneThread = start(scratch, classes, generated.className(), 1);
        Process twoThreads = start(scratch, classes, generated.className(), 2);
        try {
            assertEquals(result(oneThread, scratch, 1), result(twoThreads, scratch, 2), "the output with one kernel thread and with two");
        } finally {
            oneThread.destroyForcibly();
            twoThreads.destroyForcibly();
        }
    }

    /** Starts {@link Child} in a fresh JVM. */
    private static Process start(Path scratch, Path classes, String className, int threads) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-XX:-TieredCompilation", "-Xbatch", "-XX:CompileThreshold=200", "-XX:+PrintCompilation", "-Xmx256m",
                "-Dattnc.threads=" + threads,
                "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                Child.class.getName(), className, Integer.toString(LENGTH), Integer.toString(CALLS),
                scratch.resolve("threads-" + threads + ".txt").toString()));
        Path log = scratch.resolve("threads-" + threads + ".log");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The digest of the output of a {@link Child} started by {@link #start}, once it has checked its calls. */
    private static String result(Process process, Path scratch, int threads) throws IOException, InterruptedException {
        Path report = scratch.resolve("threads-" + threads + ".txt");
        Path log = scratch.resolve("threads-" + threads + ".log");
        boolean finished = process.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String compilations = Files.readString(log, StandardCharsets.UTF_8);
        String where = threads + " kernel thread(s): ";
        assertTrue(finished && process.exitValue() == 0, where + "the child JVM failed:\n"
                + compilations.substring(Math.max(0, compilations.length() - 4000)));
        for (String kernel : List.of("AttentionKernels$Lanes::softcap", "AttentionKernels$Lanes::addDistanceBias",
                "AttentionKernels$Lanes::exponentiate")) {
            assertTrue(compilations.contains(kernel), where + kernel + " was never compiled by C2: the test compared nothing");
        }
        // The linear layers' register tile: eight rows where vectors are 512 bits wide, six elsewhere.
        assertTrue(compilations.contains("PanelLinear::eightRows") || compilations.contains("PanelLinear::sixRows"),
                where + "no linear tile (PanelLinear::eightRows or ::sixRows) was compiled by C2: the test compared nothing");
        List<String> lines = Files.readAllLines(report, StandardCharsets.UTF_8);
        assertEquals("differing calls: 0", lines.get(lines.size() - 2),
                where + "calls gave different outputs:\n" + String.join("\n", lines.subList(0, Math.min(5, lines.size()))));
        return lines.get(lines.size() - 1);
    }

    /**
     * Loads the model with seeded random weights and calls it {@code calls} times on one seeded
     * input, comparing every output bit for bit with the first; prints the count of calls that
     * differ and a digest of the first output to a report file. Arguments: the model class, the
     * sequence length, the number of calls, the report file.
     */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] args) throws Exception {
            Class<?> type = Class.forName(args[0]);
            int length = Integer.parseInt(args[1]);
            int calls = Integer.parseInt(args[2]);
            List<String> report = new ArrayList<>();
            try (Model model = (Model) type.getMethod("load", WeightSource.class).invoke(null, new RandomWeights(7))) {
                SplittableRandom random = new SplittableRandom(11);
                float[] x = new float[length * WIDTH];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (random.nextDouble() * 2 - 1);
                }
                Map<String, Tensor> inputs = Map.of("x", Tensor.floats(x, length, WIDTH));
                float[] first = model.forward(inputs).get("x").floatData().clone();
                int differing = 0;
                for (int call = 2; call <= calls; call++) {
                    float[] output = model.forward(inputs).get("x").floatData();
                    int values = 0;
                    double worst = 0;
                    for (int i = 0; i < first.length; i++) {
                        if (Float.floatToIntBits(output[i]) != Float.floatToIntBits(first[i])) {
                            values++;
                            worst = Math.max(worst, Math.abs((double) output[i] - first[i]) / Math.abs(first[i]));
                        }
                    }
                    if (values > 0) {
                        differing++;
                        report.add(String.format("call %d: %d of %d values differ from the first call's, by up to %.2g relative",
                                call, values, first.length, worst));
                    }
                }
                long digest = 1;
                for (float value : first) {
                    digest = digest * 31 + Float.floatToIntBits(value);
                }
                report.add("differing calls: " + differing);
                report.add("digest: " + Long.toHexString(digest));
                Files.write(Path.of(args[3]), report, StandardCharsets.UTF_8);
            }
        }
    }
}
