package dev.attnc.compiler.diag;

/** One message about one place in a source file. */
public record Diagnostic(Severity severity, Span span, String message) {
    /** Lines longer than this are shown clipped around the span, so a huge line cannot flood the output. */
    static final int LONGEST_LINE_SHOWN = 160;
    /** Characters shown before the span in a clipped line. */
    private static final int CONTEXT_BEFORE = 60;

    /** {@code file:line:col: error: message}, the first line of the rendered form. */
    public String headline() {
        return span + ": " + severity.label() + ": " + message;
    }

    /**
     * The headline, the source line and a caret under the span. The caret line is drawn one
     * cell per UTF-16 unit of the source line (tabs kept as tabs): a character outside the
     * BMP, such as an emoji, gets two cells, as wide as terminals draw most of them.
     */
    public String render() {
        SourceFile file = span.file();
        int line = span.line();
        String source = file.lineText(line);
        int lineStart = file.lineStart(line);
        int from = Math.max(0, Math.min(span.start() - lineStart, source.length()));
        int to = Math.min(span.end() - lineStart, source.length());
        // A very long line (generated or hostile input) is shown as a window around the span.
        String before = "";
        String after = "";
        if (source.length() > LONGEST_LINE_SHOWN) {
            int first = Math.max(0, from - CONTEXT_BEFORE);
            int last = Math.min(source.length(), first + LONGEST_LINE_SHOWN);
            before = first > 0 ? "..." : "";
            after = last < source.length() ? "..." : "";
            source = source.substring(first, last);
            from -= first;
            to = Math.min(to - first, source.length());
        }
        int width = Math.max(1, to - from);

        String number = String.format("%5d", line);
        String gutter = " ".repeat(number.length());
        StringBuilder marker = new StringBuilder(" ".repeat(before.length()));
        for (int i = 0; i < from; i++) {
            marker.append(source.charAt(i) == '\t' ? '\t' : ' ');
        }
        marker.append('^').append("~".repeat(width - 1));
        return headline() + "\n"
                + number + " | " + before + printable(source) + after + "\n"
                + gutter + " | " + marker;
    }

    /** Control characters (binary input) would garble a terminal: show them as '?'. */
    private static String printable(String line) {
        StringBuilder out = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            out.append(c == '\t' || c >= ' ' && c != 0x7f ? c : '?');
        }
        return out.toString();
    }
}
