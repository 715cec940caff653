package dev.attnc.compiler.diag;

import java.util.Arrays;

/**
 * The text of one {@code .attn} file with a line index, so offsets turn into line:col.
 * Offsets are UTF-16 indices into {@link #text()}, as everywhere in the compiler; columns
 * count characters (code points), so that a character outside the BMP, such as an emoji,
 * is one column, and BMP text is counted as editors count it. A leading byte order mark is
 * not part of the first line.
 */
public final class SourceFile {
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final String name;
    private final String text;
    private final int[] lineStarts;
    /** Offset where the first line's text begins: 1 after a byte order mark, else 0. */
    private final int firstLineStart;
    /** Whether any character lies outside the BMP; if not, a column is an offset difference. */
    private final boolean hasSurrogates;

    public SourceFile(String name, String text) {
        this.name = name;
        this.text = text;
        int[] starts = new int[16];
        int count = 0;
        starts[count++] = 0;
        boolean surrogates = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                }
                starts[count++] = i + 1;
            } else if (Character.isSurrogate(c)) {
                surrogates = true;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, count);
        this.firstLineStart = !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? 1 : 0;
        this.hasSurrogates = surrogates;
    }

    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    /** 1-based line of a character offset. */
    public int line(int offset) {
        int index = Arrays.binarySearch(lineStarts, Math.max(0, Math.min(offset, text.length())));
        return index >= 0 ? index + 1 : -index - 1;
    }

    /** 1-based column of a character offset, in code points from the start of its line. */
    public int column(int offset) {
        int clamped = Math.max(0, Math.min(offset, text.length()));
        int start = lineStart(line(clamped));
        if (clamped <= start) {
            return 1;
        }
        return (hasSurrogates ? text.codePointCount(start, clamped) : clamped - start) + 1;
    }

    /** The offset where the text of a 1-based line begins (after a byte order mark on line 1). */
    public int lineStart(int line) {
        return line == 1 ? firstLineStart : lineStarts[line - 1];
    }

    /** The text of a 1-based line, without its line terminator. */
    public String lineText(int line) {
        int start = lineStart(line);
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        return text.substring(Math.min(start, end), Math.max(start, end));
    }

    public int lineCount() {
        return lineStarts.length;
    }
}
