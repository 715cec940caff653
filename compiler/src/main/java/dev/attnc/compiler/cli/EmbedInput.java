package dev.attnc.compiler.cli;

import dev.attnc.runtime.text.Tokenizer;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The sentences {@code attnc embed} reads: its arguments, or a file or standard input with one
 * sentence per line, read as they are needed (a batch at a time), so a long file is never held
 * whole. Lines end with LF or CRLF; bytes that are not UTF-8 become U+FFFD; a byte-order mark is
 * dropped; an empty line is an empty sentence (so line N of the input is line N of a JSONL or TSV
 * output). A line longer than {@link #MAX_LINE_CHARS} is an error in the input, found before it
 * is held.
 */
abstract class EmbedInput implements Closeable {

    /** The longest line read: the most text the tokenizer takes. */
    static final int MAX_LINE_CHARS = Tokenizer.DEFAULT_MAX_TEXT_CHARS;

    /** A line the command cannot take: exit code 1, one line naming the file and line. */
    static final class BadInput extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }
    }

    /** The number of sentences, or -1 when it is not known before reading (standard input). */
    abstract long total();

    /** The next sentence, or null at the end. */
    abstract String next() throws IOException;

    /** Where the sentences come from, for messages. */
    abstract String description();

    /** Up to {@code max} more sentences; an empty list at the end. */
    final List<String> next(int max) throws IOException {
        List<String> batch = new ArrayList<>(Math.min(max, 1024));
        String s;
        while (batch.size() < max && (s = next()) != null) {
            batch.add(s);
        }
        return batch;
    }

    @Override
    public void close() throws IOException {
    }

    static EmbedInput of(List<String> sentences) {
        return new EmbedInput() {
            private final Iterator<String> it = sentences.iterator();

            @Override
            long total() {
                return sentences.size();
            }

            @Override
            String next() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            String description() {
                return sentences.size() + " argument" + (sentences.size() == 1 ? "" : "s");
            }
        };
    }

    /** The lines of {@code file}, counted first so that progress can be shown as a fraction. */
    static EmbedInput ofFile(Path file) throws IOException {
        long lines = countLines(file);
        return new Lines(Files.newInputStream(file), Terminal.safe(file.toString()), lines);
    }

    /** The lines of standard input (not closed at the end). */
    static EmbedInput ofStream(InputStream in, String name) {
        return new Lines(in, name, -1) {
            @Override
            public void close() {
                // standard input belongs to the process
            }
        };
    }

    /** Lines as {@link Lines#next} reads them: LF ends a line, a last line without one counts. */
    static long countLines(Path file) throws IOException {
        long lines = 0;
        boolean open = false;
        byte[] chunk = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == '\n') {
                        lines++;
                        open = false;
                    } else {
                        open = true;
                    }
                }
            }
        }
        return lines + (open ? 1 : 0);
    }

    private static class Lines extends EmbedInput {
        private final Reader reader;
        private final String name;
        private final long total;
        private final StringBuilder line = new StringBuilder();
        private long lineNumber;
        private boolean ended;

        Lines(InputStream in, String name, long total) {
            this.reader = new InputStreamReader(new BufferedInputStream(in, 1 << 16), StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
            this.name = name;
            this.total = total;
        }

        @Override
        long total() {
            return total;
        }

        @Override
        String description() {
            return name;
        }

        @Override
        String next() throws IOException {
            if (ended) {
                return null;
            }
            line.setLength(0);
            int c;
            while ((c = reader.read()) != -1 && c != '\n') {
                if (line.length() == MAX_LINE_CHARS) {
                    throw new BadInput(name + ":" + (lineNumber + 1) + ": a line of more than " + MAX_LINE_CHARS
                            + " characters; one sentence per line, each shorter than that");
                }
                line.append((char) c);
            }
            if (c == -1) {
                ended = true;
                if (line.isEmpty()) {
                    return null;
                }
            }
            lineNumber++;
            if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
                line.setLength(line.length() - 1);
            }
            if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line.deleteCharAt(0);
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
