package dev.attnc.compiler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * Checks on where the commands write, made before any work so that a mistake costs nothing,
 * and the writes themselves. The rules, the same for every command:
 *
 * <ul>
 *   <li>A file option ({@code run --out}, {@code embed --out}, {@code graph -o}) names a file
 *       in a folder that exists; a folder, a device or a FIFO is refused; an existing file is
 *       replaced only with {@code --force}.
 *   <li>A folder option ({@code compile -o}, {@code run --dump-attention}) names a folder,
 *       created if missing; an existing file there is refused.
 *   <li>Every file written under a folder is resolved and normalised first, and refused if it
 *       is not inside that folder.
 *   <li>Files are written under a temporary name beside the target and moved into place, so an
 *       interrupted write leaves the old file (or none), never half a file.
 * </ul>
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /** Checks a file an option is about to write: see the class comment. Returns {@code path}. */
    static Path checkFile(String option, Path path, boolean force) {
        String shown = Terminal.safe(path.toString());
        if (Files.isDirectory(path)) {
            throw new Main.UsageError(option + " " + shown + " is a folder; name a file in it");
        }
        Path parent = path.toAbsolutePath().normalize().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new Main.UsageError(option + " " + shown + ": folder " + Terminal.safe(String.valueOf(parent))
                    + " does not exist");
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) || Files.exists(path)) {
            if (!Files.isRegularFile(path)) {
                throw new Main.UsageError(option + " " + shown + " exists and is not a regular file (a device, FIFO"
                        + " or broken link); name another file");
            }
            if (!force) {
                throw new Main.UsageError(option + " " + shown + " exists; pass --force to replace it");
            }
        }
        return path;
    }

    /** Checks a folder an option writes into: missing (then created when written) or a folder. */
    static Path checkFolder(String option, Path path) {
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new Main.UsageError(option + " " + Terminal.safe(path.toString()) + " is a file, not a folder");
        }
        return path;
    }

    /** Whether {@code folder} exists and holds anything. */
    static boolean holdsFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            throw new Main.UsageError("cannot list " + Terminal.safe(folder.toString()) + ": " + e.getMessage());
        }
    }

    /**
     * {@code relative} resolved under {@code folder}, normalised; refused unless it stays inside
     * {@code folder} (a part such as {@code ..} or an absolute path would leave it).
     */
    static Path inside(Path folder, String relative) {
        Path base = folder.toAbsolutePath().normalize();
        Path target = base.resolve(relative).normalize();
        if (!target.startsWith(base) || target.equals(base)) {
            throw new Main.UsageError("refusing to write " + Terminal.safe(target.toString()) + ": it is not inside "
                    + Terminal.safe(base.toString()));
        }
        return target;
    }

    /** Writes {@code text} to {@code target} (UTF-8) through a temporary file in the same folder. */
    static void write(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} to {@code target} through a temporary file in the same folder. */
    static void write(Path target, byte[] bytes) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
