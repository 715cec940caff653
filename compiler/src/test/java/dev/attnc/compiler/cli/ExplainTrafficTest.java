package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Repo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code attnc explain --backend tornadovm --traffic} on a sample, and its usage errors. */
class ExplainTrafficTest {

    private static final String GPT2 = Repo.root().resolve("samples/gpt2_block/gpt2_block.attn").toString();
    /** A kernel row: name, global read, global write, minimum, x min (sizes as "12.3 MiB" or "8 B"). */
    private static final Pattern ROW = Pattern.compile(
            "^(\\S+)\\s+([\\d.]+ (?:B|KiB|MiB|GiB))\\s+([\\d.]+ (?:B|KiB|MiB|GiB))\\s+([\\d.]+ (?:B|KiB|MiB|GiB))\\s+([\\d.]+|-)\\s");

    private static double bytes(String size) {
        String[] parts = size.split(" ");
        int power = List.of("B", "KiB", "MiB", "GiB").indexOf(parts[1]);
        return Double.parseDouble(parts[0]) * Math.pow(1024, power);
    }

    @Test
    void tableOfTheGpt2BlockKernels() {
        CliTest.Run run = CliTest.attnc("explain", GPT2, "--backend", "tornadovm", "--traffic", "--seq", "16");
        assertEquals(0, run.code(), run.err());
        String[] lines = run.out().split("\n");
        assertTrue(lines[0].startsWith("Gpt2Block from ") && lines[0].contains("dim = 16"), lines[0]);
        List<String> kernels = new ArrayList<>();
        double totalRead = -1;
        for (String line : lines) {
            Matcher row = ROW.matcher(line);
            if (!row.find()) {
                continue;
            }
            double global = bytes(row.group(2)) + bytes(row.group(3));
            double minimum = bytes(row.group(4));
            if (row.group(1).equals("total")) {
                totalRead = bytes(row.group(2));
                continue;
            }
            kernels.add(row.group(1));
            // Every byte of the minimum is read or written at least once (up to the table's rounding).
            assertTrue(global >= minimum * 0.99, line);
            if (!row.group(5).equals("-")) {
                assertEquals(global / minimum, Double.parseDouble(row.group(5)), 0.01 * global / minimum + 0.01, line);
            }
        }
        assertTrue(kernels.size() >= 5, run.out());
        // The four linear layers' weights alone, float32, each read at least once: 4 x 768 x (2304 + 768 + 3072 + 3072).
        double weights = 4.0 * 768 * (2304 + 768 + 3072 + 3072);
        assertTrue(totalRead >= weights, String.format(Locale.ROOT, "total read %.0f < weights %.0f%n%s", totalRead, weights,
                run.out()));
        assertTrue(run.out().contains("128-byte lines"), run.out());
    }

    @Test
    void trafficNeedsTheTornadoBackend() {
        CliTest.Run run = CliTest.attnc("explain", GPT2, "--traffic");
        assertEquals(2, run.code());
        assertEquals("attnc: --traffic measures the TornadoVM kernels: add --backend tornadovm\n", run.err());
    }

    @Test
    void trafficRefusesJsonAndLengthsBeyondTheBound() {
        CliTest.Run json = CliTest.attnc("explain", GPT2, "--backend", "tornadovm", "--traffic", "--format", "json");
        assertEquals(2, json.code());
        assertTrue(json.err().startsWith("attnc: --traffic prints a table"), json.err());
        CliTest.Run tooLong = CliTest.attnc("explain", GPT2, "--backend", "tornadovm", "--traffic", "--seq", "4096");
        assertEquals(2, tooLong.code());
        assertEquals("attnc: --seq 4096 is more than the model takes: T is at most 1024; pass --seq 1024 or less\n",
                tooLong.err());
    }
}
