package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM without the Vector API runs the scalar kernels 25 to 40 times slower: that must be said
 * once, on first use, and not at all when the module is there or scalar was chosen on purpose.
 */
class SimdWarningTest {

    /** Runs a few kernels in a fresh JVM; the test reads what it printed. */
    public static void main(String[] args) {
        float[] a = new float[64];
        float[] b = new float[64];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.5f - 3;
            b[i] = 1.5f - i * 0.25f;
        }
        float first = Kernels.dot(a, 0, b, 0, a.length);
        float second = Kernels.dot(b, 0, a, 0, a.length);
        System.out.println("dot " + first + " " + second);
    }

    @Test
    void warnsOnceWithoutTheVectorModule() throws Exception {
        Result run = run(List.of());
        assertEquals(0, run.code, run.err);
        assertTrue(run.out.startsWith("dot "), run.out);
        assertEquals(1, count(run.err, Simd.NO_VECTOR_API_WARNING), run.err);
        assertTrue(run.err.contains("--add-modules jdk.incubator.vector"), run.err);
    }

    @Test
    void silentWithTheVectorModule() throws Exception {
        Result run = run(List.of("--add-modules", "jdk.incubator.vector"));
        assertEquals(0, run.code, run.err);
        assertFalse(run.err.contains("attnc: warning"), run.err);
    }

    @Test
    void silentWhenScalarIsChosen() throws Exception {
        Result run = run(List.of("-Dattnc.simd=false"));
        assertEquals(0, run.code, run.err);
        assertFalse(run.err.contains("attnc: warning"), run.err);
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(options);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SimdWarningTest.class.getName());
        Process process = new ProcessBuilder(command).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish in 60 s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
