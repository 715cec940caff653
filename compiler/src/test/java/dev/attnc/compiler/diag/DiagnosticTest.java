package dev.attnc.compiler.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one diagnostic format: headline, source line, caret under the span. */
class DiagnosticTest {

    private static String render(String text, int start, int end, String message) {
        SourceFile file = new SourceFile("f.attn", text);
        return new Diagnostic(Severity.ERROR, new Span(file, start, end), message).render();
    }

    @Test
    void caretUnderlinesTheSpan() {
        String text = "model M {\n  a = attention(q, k, v, heads = 8, kv_heads = 3)\n}";
        int start = text.indexOf("kv_heads = 3");
        assertEquals("f.attn:2:37: error: kv_heads (3) must divide heads (8)\n"
                + "    2 |   a = attention(q, k, v, heads = 8, kv_heads = 3)\n"
                + "      |                                     ^~~~~~~~~~~~",
                render(text, start, start + "kv_heads = 3".length(), "kv_heads (3) must divide heads (8)"));
    }

    @Test
    void spanOverSeveralLinesIsCutAtTheFirstLineEnd() {
        String text = "x = f(a,\n      b)\n";
        assertEquals("f.attn:1:5: error: m\n"
                + "    1 | x = f(a,\n"
                + "      |     ^~~~", render(text, 4, 15, "m"));
    }

    @Test
    void tabsKeepTheCaretAligned() {
        String text = "\tx = bad";
        assertEquals("f.attn:1:6: error: m\n"
                + "    1 | \tx = bad\n"
                + "      | \t    ^~~", render(text, 5, 8, "m"));
    }

    @Test
    void emptySpanStillShowsACaret() {
        assertEquals("f.attn:1:4: error: m\n    1 | abc\n      |    ^", render("abc", 3, 3, "m"));
    }

    @Test
    void columnsCountCodePointsAndTheCaretFollowsTheTerminal() {
        // U+1F680 is one character but two UTF-16 units (and two cells in a terminal).
        String text = "a\uD83D\uDE80b = c";
        SourceFile file = new SourceFile("f.attn", text);
        assertEquals(3, file.column(3));
        assertEquals("f.attn:1:3: error: m\n"
                + "    1 | a\uD83D\uDE80b = c\n"
                + "      |    ^", render(text, 3, 4, "m"));
        assertEquals("f.attn:1:2: error: m\n"
                + "    1 | a\uD83D\uDE80b = c\n"
                + "      |  ^~", render(text, 1, 3, "m"));
    }

    @Test
    void byteOrderMarkIsNotPartOfTheFirstLine() {
        SourceFile file = new SourceFile("f", "\uFEFFab\ncd");
        assertEquals("ab", file.lineText(1));
        assertEquals(1, file.column(1));
        assertEquals(2, file.column(2));
        assertEquals("f:1:2: error: m\n    1 | ab\n      |  ^", new Diagnostic(Severity.ERROR, new Span(file, 2, 3), "m").render());
    }

    @Test
    void unexpectedCharactersAreNamedByCodePoint() {
        assertEquals("unexpected character U+1F680", Messages.unexpectedCharacters("\uD83D\uDE80"));
        assertEquals("unexpected characters U+1F680... (2 in a row)", Messages.unexpectedCharacters("\uD83D\uDE80\uD83D\uDE80"));
        assertEquals("unexpected character '#'", Messages.unexpectedCharacters("#"));
    }

    @Test
    void controlCharactersAreShownAsQuestionMarks() {
        assertEquals("f.attn:1:1: error: m\n    1 | ?ab\n      | ^", render("\u0000ab", 0, 1, "m"));
    }

    @Test
    void linesAndColumnsAreOneBased() {
        SourceFile file = new SourceFile("f", "ab\r\ncd\n\nef");
        assertEquals(4, file.lineCount());
        assertEquals(2, file.line(4));
        assertEquals(1, file.column(4));
        assertEquals("ab", file.lineText(1));
        assertEquals("", file.lineText(3));
        assertEquals("ef", file.lineText(4));
    }

    @Test
    void errorsPastTheLimitAreCountedNotKept() {
        SourceFile file = new SourceFile("f", "x");
        Diagnostics diagnostics = new Diagnostics();
        for (int i = 0; i < Diagnostics.ERROR_LIMIT + 5; i++) {
            diagnostics.error(new Span(file, 0, 1), "error " + i);
        }
        assertEquals(Diagnostics.ERROR_LIMIT + 5, diagnostics.errorCount());
        assertEquals(Diagnostics.ERROR_LIMIT, diagnostics.all().size());
        assertEquals(true, diagnostics.render().endsWith("... and 5 more errors not shown\n"));
    }

    @Test
    void numbersAreWrittenAsPeopleWriteThem() {
        assertEquals("768", Numbers.format(768));
        assertEquals("0.5", Numbers.format(0.5));
        assertEquals("1e-5", Numbers.format(1e-5));
        assertEquals("1.5e-12", Numbers.format(1.5e-12));
        assertEquals("-3", Numbers.format(-3));
    }
}
