package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnc check} reports everything {@code compile} would refuse, with a line and column. */
class CheckCommandTest {
    @TempDir
    Path dir;

    /** Each [T, T] value fits one Java array at T = 40000 (1.6e9 floats); the two of them together do not. */
    private static final String BIG = """
            model Big {
              const D = 64
              dim T <= 40000
              input x : [T, D]
              scores = x @ transpose(x)
              y = softmax(scores) @ x
              output y
            }
            """;

    @Test
    void activationsThatDoNotFitAreAnErrorOfCheckAtTheLargestValue() throws IOException {
        Path file = Files.writeString(dir.resolve("big.attn"), BIG);
        CliTest.Run check = CliTest.attnc("check", file.toString());
        assertEquals(Main.INPUT_ERRORS, check.code(), check.err());
        String headline = file + ":5:12: error: the activations of Big do not fit in memory at T = 40000: they need"
                + " 3,205,120,000 floats (11.9 GiB), more than one Java array holds (2,147,483,631); the largest value is"
                + " this one, [T, T] (5.96 GiB); lower the bound of `dim T <= 40000` (line 3) (--max-seq does not size a dim"
                + " with a bound)";
        assertTrue(check.err().startsWith(headline + "\n"
                + "    5 |   scores = x @ transpose(x)\n"
                + "      |            ^~~~~~~~~~~~~~~~\n"), check.err());
        assertTrue(check.err().endsWith("checked 1 file: 1 error, 0 warnings\n"), check.err());
        // compile says the same, with the same position, and writes nothing.
        CliTest.Run compile = CliTest.attnc("compile", file.toString(), "-o", dir.resolve("out").toString());
        assertEquals(Main.INPUT_ERRORS, compile.code(), compile.err());
        assertTrue(compile.err().startsWith(headline + "\n"), compile.err());
        assertFalse(Files.exists(dir.resolve("out").resolve("attnc")), "nothing written");
    }

    @Test
    void anUnboundedDimPointsAtMaxSeqAndAtTheDimToBound() throws IOException {
        Path file = Files.writeString(dir.resolve("big.attn"), BIG.replace("dim T <= 40000", "dim T"));
        assertEquals(Main.OK, CliTest.attnc("check", file.toString()).code(), "fits at the default --max-seq 2048");
        CliTest.Run check = CliTest.attnc("check", "--max-seq", "40000", file.toString());
        assertEquals(Main.INPUT_ERRORS, check.code(), check.err());
        assertTrue(check.err().startsWith(file + ":5:12: error: the activations of Big do not fit in memory at T = 40000"),
                check.err());
        assertTrue(check.err().contains("; `T` has no bound, so it is sized at --max-seq 40000: pass a smaller --max-seq,"
                + " or declare `dim T <= N` (line 3)\n"), check.err());
    }

    @Test
    void aCleanModelStillChecksClean() throws IOException {
        Path file = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        CliTest.Run check = CliTest.attnc("check", file.toString());
        assertEquals(Main.OK, check.code(), check.err());
        assertEquals("checked 1 file: no problems\n", check.out());
    }
}
