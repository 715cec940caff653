package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Help for every command, the whole command list, and "did you mean" for mistyped words. */
class HelpTest {
    private static final List<String> COMMANDS = List.of("check", "graph", "compile", "run", "bench", "embed", "explain", "generate", "perplexity");

    @Test
    void everyCommandAnswersHelpWithoutItsFile() {
        for (String command : COMMANDS) {
            for (String flag : List.of("--help", "-h")) {
                CliTest.Run run = CliTest.attnc(command, flag);
                assertEquals(Main.OK, run.code(), command + " " + flag + ": " + run.err());
                assertTrue(run.out().contains("Usage: attnc " + command), command + ": " + run.out());
                assertTrue(run.out().contains("--help"), command + ": " + run.out());
            }
        }
    }

    @Test
    void noCommandListsEveryCommand() {
        CliTest.Run run = CliTest.attnc();
        assertEquals(Main.USAGE, run.code());
        for (String command : COMMANDS) {
            assertTrue(run.err().contains("\n  " + command + " "), command + " missing from:\n" + run.err());
        }
        assertTrue(run.err().contains("attnc: name a command: " + String.join(", ", COMMANDS)), run.err());
    }

    /** Each summary in the command list is one whole sentence (bench's used to stop mid-sentence). */
    @Test
    void commandListSummariesAreWholeSentences() {
        CliTest.Run run = CliTest.attnc("--help");
        assertEquals(Main.OK, run.code());
        for (String command : COMMANDS) {
            List<String> lines = run.out().lines().toList();
            int at = lines.indexOf(lines.stream().filter(l -> l.startsWith("  " + command + " ")).findFirst().orElseThrow());
            StringBuilder summary = new StringBuilder(lines.get(at));
            for (int next = at + 1; next < lines.size() && lines.get(next).startsWith("           "); next++) {
                summary.append(' ').append(lines.get(next).strip());
            }
            assertTrue(summary.toString().endsWith("."), "cut summary: " + summary);
            assertTrue(summary.length() < 2 * 80, "a summary is one short sentence: " + summary);
        }
    }

    @Test
    void mistypedCommandsAndOptionsGetTheNearestName() {
        CliTest.Run command = CliTest.attnc("chekc", "x.attn");
        assertEquals(Main.USAGE, command.code());
        assertTrue(command.err().startsWith("attnc: unknown command `chekc`; did you mean `check`?"), command.err());

        String model = Repo.path("samples/gpt2_block/gpt2_block.attn").toString();
        CliTest.Run option = CliTest.attnc("run", model, "--seqlen", "3");
        assertEquals(Main.USAGE, option.code());
        assertTrue(option.err().startsWith("attnc: unknown option `--seqlen`; did you mean `--seq`?\n"
                + "Try 'attnc run --help' for usage."), option.err());

        CliTest.Run far = CliTest.attnc("run", model, "--zzzzzzzz");
        assertTrue(far.err().startsWith("attnc: unknown option `--zzzzzzzz`\n"), far.err());
    }
}
