package dev.attnc.compiler.cli;

import dev.attnc.compiler.diag.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads .attn files for the commands; unreadable files are usage errors. */
final class SourceFiles {
    private SourceFiles() {
    }

    static SourceFile read(Path path) {
        try {
            // Malformed UTF-8 becomes U+FFFD, which the lexer then reports with its position.
            String text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
            return new SourceFile(path.toString(), text);
        } catch (NoSuchFileException e) {
            throw new Main.UsageError("no such file: " + path);
        } catch (IOException e) {
            throw new Main.UsageError("cannot read " + path + ": " + e.getMessage());
        }
    }
}
