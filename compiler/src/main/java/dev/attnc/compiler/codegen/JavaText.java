package dev.attnc.compiler.codegen;

/**
 * The one place where text from a {@code .attn} file (its comments, statements, checkpoint
 * names, file names) becomes part of a generated Java file. Everything it returns is inert:
 *
 * <ul>
 *   <li>no backslash at all comes out of user text, so javac's Unicode escapes ({@code \}{@code u000a},
 *       which javac decodes everywhere, comments and strings included, before it parses anything)
 *       cannot be formed, whatever characters surround the text;
 *   <li>the result is printable ASCII: no line break can end a {@code //} comment or a string
 *       literal early, and no invisible or bidirectional character can make the source read
 *       differently from what javac sees;
 *   <li>Javadoc text cannot close its comment ({@code *}{@code /}) or start a tag.
 * </ul>
 *
 * The only Unicode escapes in a generated file are written here, in string literals, each for
 * one character outside ASCII, which cannot end a literal or a comment.
 */
public final class JavaText {
    private JavaText() {
    }

    /**
     * Text for a {@code //} comment: printable ASCII is kept as written; backslashes and every
     * other character are spelled {@code <U+005C>}.
     */
    public static String lineComment(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                out.append((char) c);
            } else {
                out.append(String.format("<U+%04X>", c));
            }
        });
        return out.toString();
    }

    /**
     * Text for Javadoc, as HTML: printable ASCII is kept, except characters that HTML or Javadoc
     * read specially ({@code < > & @ { } \}, and a slash after a star), which become numeric character references, as does
     * every character outside ASCII (rendered as written by the Javadoc tool). Line breaks are kept
     * as line breaks (JavaPoet starts each line with {@code *}); other control characters become spaces.
     */
    public static String javadoc(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> out.append('\n');
                case '<', '>', '&', '@', '{', '}', '\\' -> out.append("&#").append(c).append(';');
                // A slash only after a star: "*" then "/" would end the comment.
                case '/' -> out.append(out.length() > 0 && out.charAt(out.length() - 1) == '*' ? "&#47;" : "/");
                default -> {
                    if (c >= 0x20 && c < 0x7F) {
                        out.append((char) c);
                    } else if (c < 0x20 || c == 0x7F) {
                        out.append(' ');
                    } else {
                        out.append("&#x").append(Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)).append(';');
                    }
                }
            }
        });
        return out.toString();
    }

    /**
     * A Java string literal, quotes included, whose value is exactly {@code text}: a quote as
     * {@code \"}, a backslash and control characters as three-digit octal escapes ({@code \134},
     * {@code \012}: a backslash written {@code \\} would leave a backslash before whatever follows),
     * characters outside ASCII as Unicode escapes.
     */
    public static String stringLiteral(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int at = 0; at < text.length(); at++) {
            char c = text.charAt(at);
            if (c == '"') {
                out.append("\\\"");
            } else if (c == '\\' || c < 0x20 || c == 0x7F) {
                out.append(String.format("\\%03o", (int) c)); // always three digits: a digit after it stays a digit
            } else if (c < 0x7F) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.append('"').toString();
    }

    /** A Java identifier drawn from an .attn name (ASCII letters, digits, underscores), checked again here. */
    public static String identifier(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z_0-9]*")) {
            throw new CodegenException("not a name the generator can write: " + lineComment(name));
        }
        return name;
    }
}
