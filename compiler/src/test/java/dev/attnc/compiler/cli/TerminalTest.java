package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, class 7: text from the user reaches the terminal with its control characters escaped. */
class TerminalTest {
    @TempDir
    Path dir;

    /** ESC ] 0 ; title BEL retitles a terminal window; ESC [ 2 J clears the screen; U+202E reverses what follows. */
    static final String HOSTILE = "hi \u001b]0;pwned\u0007 \u001b[2J \u009b31m \u202egnp.exe \u007f";

    @Test
    void controlCharactersAreShownAsEscapes() {
        assertEquals("hi \\x1b]0;pwned\\x07 \\x1b[2J \\x9b31m \\u202egnp.exe \\x7f", Terminal.safe(HOSTILE));
        assertEquals("plain text, \u00e9t\u00e9 \u4e2d\u6587", Terminal.safe("plain text, \u00e9t\u00e9 \u4e2d\u6587"));
        assertEquals("a\\x0ab\\x09c", Terminal.safe("a\nb\tc"));
    }

    @Test
    void embedPrintsSentencesWithoutTheirControlCharacters() {
        CliTest.Run run = CliTest.attnc("embed", HOSTILE, "a plain sentence");
        assertEquals(Main.OK, run.code(), run.err());
        assertFalse(run.out().contains("\u001b") || run.out().contains("\u0007") || run.out().contains("\u009b")
                || run.out().contains("\u202e") || run.out().contains("\u007f"), run.out());
        assertTrue(run.out().contains("1: \"hi \\x1b]0;pwned\\x07 \\x1b[2J \\x9b31m \\u202egnp.exe \\x7f\" ("), run.out());
        assertTrue(run.out().contains("2: \"a plain sentence\" ("), run.out());
    }

    @Test
    void errorMessagesEscapeWhatTheUserTyped() {
        CliTest.Run badOut = CliTest.attnc("embed", "x", "--out", dir.resolve("e\u001b[31m.bad").toString());
        Hostile.assertOneLine(badOut, Main.USAGE, "attnc: --out takes a .jsonl, .tsv or .safetensors file (or give --format), found "
                + dir.resolve("e\\x1b[31m.bad"));
        CliTest.Run badBackend = CliTest.attnc("explain", dir.resolve("m.attn").toString(), "--backend", "\u001b[2J");
        Hostile.assertOneLine(badBackend, Main.USAGE, "attnc: unknown --backend '\\x1b[2J': use jvm or tornadovm");
        CliTest.Run unknownOption = CliTest.attnc("check", "--\u001b[2J");
        assertEquals(Main.USAGE, unknownOption.code());
        assertFalse(unknownOption.err().contains("\u001b"), unknownOption.err());
    }
}
