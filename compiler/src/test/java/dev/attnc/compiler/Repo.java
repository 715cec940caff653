package dev.attnc.compiler;

import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Paths into the repository for tests: samples, docs, the corpus. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        String configured = System.getProperty("attnc.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..");
        return root.toAbsolutePath().normalize();
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static String read(Path path) {
        try {
            return new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every samples/NAME/NAME.attn that checks on its own, sorted; those that take their sizes
     * from a checkpoint ({@code meta(...)}) are {@link #checkpointSamples()}.
     */
    public static List<Path> samples() {
        return allSamples().stream().filter(p -> !readsCheckpoint(p)).toList();
    }

    /** The samples that need a checkpoint's metadata to check (samples/llama). */
    public static List<Path> checkpointSamples() {
        return allSamples().stream().filter(Repo::readsCheckpoint).toList();
    }

    private static boolean readsCheckpoint(Path sample) {
        return read(sample).contains("meta(");
    }

    private static List<Path> allSamples() {
        try (Stream<Path> dirs = Files.list(path("samples"))) {
            return dirs.filter(Files::isDirectory)
                    .map(dir -> dir.resolve(dir.getFileName() + ".attn"))
                    .filter(Files::exists)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static FrontEnd.Result check(String name, String text) {
        return FrontEnd.check(new SourceFile(name, text));
    }

    /**
     * {@code shared/models/name} in the nearest folder above the working directory that has it
     * (the real checkpoints beside the repository); the calling test is skipped with a message
     * naming the file when there is none.
     */
    public static Path sharedModel(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve("shared").resolve("models").resolve(name);
            if (java.nio.file.Files.isRegularFile(file)) {
                return file;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, "shared/models/" + name + " not found in any folder above "
                + Path.of("").toAbsolutePath() + " (see shared/models/README.md)");
        return null;
    }
}
