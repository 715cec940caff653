package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.kernels.Threads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only a fresh JVM shows: an unusable ATTNC_THREADS, and a run that needs more heap than
 * the JVM has. Each ends with one line and exit 2, as {@code attnc} run from a shell would.
 */
class CliProcessTest {
    @TempDir
    Path dir;

    record Exit(int code, String out, String err) {
    }

    /** {@code attnc args} in a new JVM with the given heap and environment. */
    private Exit attnc(String heap, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx" + heap,
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
        builder.environment().remove("ATTNC_THREADS");
        builder.environment().putAll(env);
        Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "attnc ended");
        String err = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8).lines()
                .filter(line -> !line.startsWith("WARNING: Using incubator modules"))
                .collect(Collectors.joining("\n", "", "\n"));
        return new Exit(process.exitValue(), Files.readString(dir.resolve("stdout")), err);
    }

    @Test
    void aBadThreadCountIsOneLineBeforeAnyWork() throws IOException, InterruptedException {
        Path model = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        for (String value : List.of("abc", "0", "-3", "99999", "")) {
            Exit exit = attnc("256m", Map.of("ATTNC_THREADS", value), "run", model.toString());
            assertEquals(Main.USAGE, exit.code(), exit.err());
            assertEquals("attnc: ATTNC_THREADS must be a whole number from 1 to 1024, found '" + value + "'\n", exit.err());
            assertEquals("", exit.out(), "nothing compiled or run");
        }
        Exit fine = attnc("256m", Map.of("ATTNC_THREADS", " 2 "), "run", model.toString(), "--seq", "4");
        assertEquals(Main.OK, fine.code(), fine.err());
    }

    @Test
    void runningOutOfHeapIsOneLine() throws IOException, InterruptedException {
        Path model = Files.writeString(dir.resolve("free.attn"), Hostile.TINY.replace("dim T <= 16", "dim T"));
        // Buffers for 50 million positions: about 5 GB, far past the heap given.
        Exit exit = attnc("256m", Map.of(), "run", model.toString(), "--max-seq", "50000000", "--seq", "4");
        assertEquals(Main.USAGE, exit.code(), exit.err());
        assertEquals("attnc: out of memory: this needs more than the 256 MiB of heap the JVM has; use a smaller --seq or"
                + " --max-seq, or give java more with -Xmx\n", exit.err());
    }

    @Test
    void theSettingIsParsedStrictly() {
        assertEquals(3, Threads.Setting.parse("ATTNC_THREADS", " 3 "));
        assertEquals(Threads.Setting.MAX, Threads.Setting.parse("ATTNC_THREADS", "1024"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Threads.Setting.parse("ATTNC_THREADS", "1\u001b[2J"));
        assertEquals("ATTNC_THREADS must be a whole number from 1 to 1024, found '1?[2J'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Threads.Setting.parse("ATTNC_THREADS", "9".repeat(40)));
        assertEquals("ATTNC_THREADS must be a whole number from 1 to 1024, found '" + "9".repeat(20) + "...'", e.getMessage());
    }
}
