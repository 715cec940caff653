package dev.attnc.compiler.diag;

/** One message about one place in a source file. */
public record Diagnostic(Severity severity, Span span, String message) {

    /** {@code file:line:col: error: message}, the first line of the rendered form. */
    public String headline() {
        return span + ": " + severity.label() + ": " + message;
    }

    /** The headline, the source line and a caret under the span. */
    public String render() {
        SourceFile file = span.file();
        int line = span.line();
        String source = file.lineText(line);
        int column = span.column();
        int lineEndOffset = span.start() - (column - 1) + source.length();
        int width = Math.max(1, Math.min(span.end(), lineEndOffset) - span.start());

        String number = String.format("%5d", line);
        String gutter = " ".repeat(number.length());
        StringBuilder marker = new StringBuilder();
        for (int i = 0; i < column - 1 && i < source.length(); i++) {
            marker.append(source.charAt(i) == '\t' ? '\t' : ' ');
        }
        marker.append('^').append("~".repeat(width - 1));
        return headline() + "\n"
                + number + " | " + printable(source) + "\n"
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
