package dev.attnc.compiler.cli;

import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads .attn files for the commands, and checks the files other options name; unreadable files are usage errors. */
final class SourceFiles {
    /** The largest .attn file read: far more than any model needs, small enough to hold in memory. */
    static final int MAX_SOURCE_BYTES = 16 << 20;

    private SourceFiles() {
    }

    static SourceFile read(Path path) {
        checkReadable(null, path);
        try (InputStream in = Files.newInputStream(path)) {
            // One byte more than the limit tells a file that is too large without reading all of it.
            byte[] bytes = in.readNBytes(MAX_SOURCE_BYTES + 1);
            if (bytes.length > MAX_SOURCE_BYTES) {
                throw new Main.UsageError(Terminal.safe(path.toString()) + " is larger than " + (MAX_SOURCE_BYTES >> 20)
                        + " MiB; is it a .attn file?");
            }
            // Malformed UTF-8 becomes U+FFFD, which the lexer then reports with its position.
            String text = new String(bytes, StandardCharsets.UTF_8);
            return new SourceFile(path.toString(), text);
        } catch (IOException e) {
            throw new Main.UsageError("cannot read " + Terminal.safe(path.toString()) + ": " + e.getMessage());
        }
    }

    /**
     * Checks that {@code path} is a regular file before it is opened: a folder is refused, and so
     * is a FIFO or a device, which could block the command forever or never end.
     *
     * @param option the option that named it ("--weights"), or null for a command's FILE
     */
    static void checkReadable(String option, Path path) {
        String named = (option == null ? "" : option + " ") + Terminal.safe(path.toString());
        if (!Files.exists(path)) {
            throw new Main.UsageError(option == null ? "no such file: " + Terminal.safe(path.toString())
                    : named + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new Main.UsageError(named + " is a folder, not a file");
        }
        if (!Files.isRegularFile(path)) {
            throw new Main.UsageError(named + " is not a regular file (a FIFO or a device?); name a file");
        }
    }
}
