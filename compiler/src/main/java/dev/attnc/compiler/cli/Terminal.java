package dev.attnc.compiler.cli;

/**
 * Text that came from the user (a sentence, a file name, a flag's value) made safe to print on
 * a terminal: control characters, which a terminal would act on (ESC starts a sequence that can
 * recolour, retitle or rewrite the screen), are shown as escapes instead.
 */
final class Terminal {
    private Terminal() {
    }

    /**
     * {@code text} with C0 and C1 control characters and DEL shown as {@code \xNN}, and the
     * invisible characters that reorder or break lines (bidirectional overrides and isolates,
     * the line and paragraph separators) as {@code \\uNNNN}; everything else unchanged.
     */
    static String safe(String text) {
        StringBuilder out = null;
        for (int at = 0; at < text.length(); at++) {
            char c = text.charAt(at);
            String escape = escape(c);
            if (escape != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, at);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * Text a model wrote, for the terminal: line breaks and tabs kept, every other control or
     * reordering character escaped as {@link #safe} does.
     */
    static String text(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int at = 0; at < text.length(); at++) {
            char c = text.charAt(at);
            String escape = c == '\n' || c == '\t' ? null : escape(c);
            out.append(escape != null ? escape : String.valueOf(c));
        }
        return out.toString();
    }

    private static String escape(char c) {
        if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
            return String.format("\\x%02x", (int) c);
        }
        boolean reorders = c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 || c == 0x200e || c == 0x200f
                || c == 0x061c || c == 0x2028 || c == 0x2029;
        return reorders ? String.format("\\u%04x", (int) c) : null;
    }
}
