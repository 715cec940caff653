package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What every hostile command line must end with, and a way to see that it changed no file. */
final class Hostile {
    private Hostile() {
    }

    /** A model with one bounded run-time dim and one weight: fast to compile and run. */
    static final String TINY = """
            model Tiny {
              const D = 8
              dim T <= 16
              input x : [T, D]
              param wq : linear(D, D) from "q"
              x = x + wq(x)
              output x
            }
            """;

    /** Two inputs that share T. */
    static final String TWO = """
            model Two {
              dim T <= 16
              input x : [T, 8]
              input y : [T, 8]
              z = x + y
              output z
            }
            """;

    /**
     * Asserts the run ended with {@code code} and exactly one line on standard error, {@code line},
     * with no stack trace and no exception named.
     */
    static void assertOneLine(CliTest.Run run, int code, String line) {
        assertEquals(code, run.code(), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertEquals(line, run.err().strip());
    }

    /** Every file and folder under {@code root}, with each file's size, time and content: equal snapshots, same tree. */
    static Map<String, String> snapshot(Path root) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                String key = root.relativize(path).toString();
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    files.put(key, Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis() + " "
                            + (Files.size(path) < (1 << 20) ? Arrays.hashCode(Files.readAllBytes(path)) : "large"));
                } else {
                    files.put(key, Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "folder" : "other");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }
}
