package dev.attnc.maven;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits what {@code attnc compile} prints on standard error into diagnostics: a headline
 * ({@code file:line:col: error: message}, or {@code file: error: message} for a model the
 * backend refuses) with the source line and caret that follow it.
 */
final class Diagnostics {
    private static final Pattern HEADLINE = Pattern.compile("^(.+?)(?::(\\d+):(\\d+))?: (error|warning|note): (.*)$");

    /** One diagnostic: its headline and the lines shown under it. */
    record Diagnostic(String severity, String headline, String detail) {
        boolean isError() {
            return severity.equals("error");
        }

        /** The headline and its detail lines. */
        String text() {
            return detail.isEmpty() ? headline : headline + "\n" + detail;
        }
    }

    private Diagnostics() {
    }

    static List<Diagnostic> parse(String stderr) {
        List<Diagnostic> found = new ArrayList<>();
        String severity = null;
        String headline = null;
        StringBuilder detail = new StringBuilder();
        for (String line : stderr.split("\\R")) {
            Matcher matcher = HEADLINE.matcher(line);
            boolean isHeadline = matcher.matches() && !line.startsWith(" ") && !line.startsWith("attnc:");
            if (isHeadline) {
                if (headline != null) {
                    found.add(new Diagnostic(severity, headline, detail.toString().stripTrailing()));
                }
                severity = matcher.group(4);
                headline = line;
                detail.setLength(0);
            } else if (headline != null && (line.startsWith(" ") || line.startsWith("\t"))) {
                detail.append(line).append('\n');
            } else if (!line.isBlank()) {
                if (headline != null) {
                    found.add(new Diagnostic(severity, headline, detail.toString().stripTrailing()));
                    headline = null;
                    detail.setLength(0);
                }
                if (line.startsWith("attnc: ")) {
                    found.add(new Diagnostic("error", line, ""));
                }
            }
        }
        if (headline != null) {
            found.add(new Diagnostic(severity, headline, detail.toString().stripTrailing()));
        }
        return found;
    }
}
