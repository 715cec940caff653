package dev.attnc.runtime.weights;

import java.nio.file.Files;
import java.nio.file.Path;

/** The check every reader makes before it opens a file. */
final class RegularFiles {

    private RegularFiles() {}

    /**
     * Refuses a directory, a named pipe (FIFO), a device or a socket before it is opened: opening
     * a FIFO blocks until something writes to it, and a device can be endless. A missing file
     * passes, for the opener to report.
     *
     * @param file the file name, for the message
     * @param what what the file should be: {@code a safetensors file}
     */
    static void require(Path path, String file, String what) {
        if (Files.isDirectory(path)) {
            throw new WeightException(file + ": is a directory, not " + what + " (" + path.toAbsolutePath() + ")");
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new WeightException(file + ": is not a regular file (a pipe, device or socket?), not " + what
                    + " (" + path.toAbsolutePath() + ")");
        }
    }
}
