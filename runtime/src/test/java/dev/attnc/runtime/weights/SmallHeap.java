package dev.attnc.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens a weights file in a fresh JVM with a small heap: how tests show that a reader's memory
 * is bounded by what it keeps, not by what a file claims, without needing that memory themselves.
 * The child prints the WeightException's message, or "opened"; anything else (an
 * OutOfMemoryError) exits 1.
 */
final class SmallHeap {

    private SmallHeap() {}

    record Result(int exitCode, String output) {}

    /**
     * Opens {@code file} as {@code kind} in a JVM of {@code heapMiB} MiB: {@code safetensors},
     * {@code onnx} (mapped) or {@code onnx-in-memory} (read into an array, as from a jar).
     */
    static Result open(String kind, Path file, int heapMiB) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx" + heapMiB + "m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), SmallHeap.class.getName(), kind, file.toString()))
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "the child JVM did not end within 60 s");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    public static void main(String[] args) {
        Path file = Path.of(args[1]);
        try {
            AutoCloseable opened = switch (args[0]) {
                case "onnx" -> OnnxWeights.open(file);
                case "onnx-in-memory" -> OnnxWeights.read(java.nio.file.Files.readAllBytes(file), file.getFileName().toString());
                default -> SafetensorsFile.open(file);
            };
            opened.close();
            System.out.println("opened");
        } catch (WeightException e) {
            System.out.println(e.getMessage());
        } catch (Throwable e) {
            System.out.println(e);
            System.exit(1);
        }
    }
}
