package dev.attnc.compiler.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How far {@code attnc embed} is, on stderr, for long inputs (more than {@link #LONG} sentences):
 * a bar redrawn in place when stderr is a terminal, else a plain line every 10% (every
 * {@link #UNKNOWN_STEP} sentences when the total is not known, as for standard input), which
 * logs and CI keep readable.
 */
final class EmbedProgress {

    /** Inputs up to this many sentences show no progress. */
    static final int LONG = 100;
    /** Without a known total, a plain line every this many sentences. */
    static final int UNKNOWN_STEP = 1000;
    private static final int WIDTH = 30;

    enum Mode { AUTO, BAR, LINES, NONE }

    private final PrintWriter err;
    private final long total;
    private final boolean bar;
    private final boolean shown;
    private final long started = System.nanoTime();
    private long done;
    private long lastDraw;
    private long nextLine;
    private boolean drawn;

    EmbedProgress(PrintWriter err, long total, Mode mode) {
        this.err = err;
        this.total = total;
        this.bar = mode == Mode.BAR || mode == Mode.AUTO && stderrIsTerminal();
        this.shown = mode == Mode.BAR || mode == Mode.LINES || mode == Mode.AUTO && (total < 0 || total > LONG);
        this.nextLine = firstLine();
    }

    private long firstLine() {
        return total > 0 ? Math.max(1, (total + 9) / 10) : UNKNOWN_STEP;
    }

    /** One more sentence done. */
    void advance() {
        done++;
        if (!shown || total < 0 && done <= LONG) {
            return;
        }
        if (bar) {
            long now = System.nanoTime();
            if (now - lastDraw > 100_000_000L || done == total) {
                lastDraw = now;
                draw();
            }
        } else if (done >= nextLine) {
            err.println("attnc: " + status());
            err.flush();
            nextLine = total > 0 ? Math.min(total, done + Math.max(1, (total + 9) / 10)) : done + UNKNOWN_STEP;
            if (total > 0 && done >= total) {
                nextLine = Long.MAX_VALUE;
            }
        }
    }

    /** Ends the bar's line, if one was drawn. */
    void finish() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
            drawn = false;
        }
    }

    private void draw() {
        StringBuilder line = new StringBuilder("\r");
        if (total > 0) {
            int filled = (int) (WIDTH * done / total);
            line.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        }
        line.append(status()).append("\033[K");
        err.print(line);
        err.flush();
        drawn = true;
    }

    private String status() {
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        if (total > 0) {
            String eta = rate > 0 && done < total ? String.format(Locale.ROOT, ", %.0f s left", (total - done) / rate) : "";
            return String.format(Locale.ROOT, "embedded %d of %d sentences (%d%%), %.0f/s%s", done, total, 100 * done / total,
                    rate, eta);
        }
        return String.format(Locale.ROOT, "embedded %d sentences, %.0f/s", done, rate);
    }

    /**
     * Whether this process's stderr is a terminal. Java cannot ask that directly; on Linux the
     * descriptor's link names the device ({@code /dev/pts/3}). Elsewhere: not a terminal, so the
     * plain lines are shown, which are right everywhere.
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false;
        }
    }
}
