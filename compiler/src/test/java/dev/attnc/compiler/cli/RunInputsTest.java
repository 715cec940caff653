package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.weights.Safetensors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, classes 4 and 7 for {@code run}: the shapes an --inputs file claims and the --seq
 * asked for are checked against the model before memory is reserved for them, and a model
 * with a small bound runs without --seq.
 */
class RunInputsTest {
    @TempDir
    Path dir;

    /**
     * A safetensors file whose header claims {@code x} F32 {@code shape}, with the data as a hole:
     * the file is as long as the header says, but takes no space on disk.
     */
    private Path claiming(String name, long... shape) throws IOException {
        long count = 1;
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            count *= d;
            dims.append(dims.length() == 0 ? "" : ",").append(d);
        }
        byte[] header = ("{\"x\":{\"dtype\":\"F32\",\"shape\":[" + dims + "],\"data_offsets\":[0," + count * 4 + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(name);
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            out.setLength(8 + header.length + count * 4);
        }
        return file;
    }

    private static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void aHugeClaimedInputIsRefusedBeforeItIsRead() throws IOException {
        Path model = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        // 3.2 GB claimed; reading it would need far more heap than the tests have.
        Path big = claiming("big.safetensors", 100_000_000, 8);
        CliTest.Run run = CliTest.attnc("run", model.toString(), "--inputs", big.toString());
        Hostile.assertOneLine(run, Main.INPUT_ERRORS, "attnc: error: input `x` in big.safetensors is [100000000, 8], the model"
                + " takes [T, 8]: T = 100000000 along axis 0 is outside 1 to 16");
    }

    @Test
    void rankAndFixedDimsAreCheckedFromTheHeader() throws IOException {
        Path model = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--inputs", claiming("wide.safetensors", 4, 1_000_000).toString()),
                Main.INPUT_ERRORS, "attnc: error: input `x` in wide.safetensors is [4, 1000000], the model takes [T, 8]:"
                        + " axis 1 must be 8");
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--inputs", claiming("flat.safetensors", 32).toString()),
                Main.INPUT_ERRORS, "attnc: error: input `x` in flat.safetensors is [32], the model takes [T, 8]: rank 1, not 2");
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--inputs", claiming("empty.safetensors", 0, 8).toString()),
                Main.INPUT_ERRORS, "attnc: error: input `x` in empty.safetensors is [0, 8], the model takes [T, 8]:"
                        + " T = 0 along axis 0 is outside 1 to 16");
    }

    @Test
    void inputsMustAgreeOnTheirDims() throws IOException {
        Path model = Files.writeString(dir.resolve("two.attn"), Hostile.TWO);
        Path inputs = dir.resolve("in.safetensors");
        Safetensors.write(inputs, Map.of("x", Tensor.floats(random(3 * 8, 1), 3, 8), "y", Tensor.floats(random(5 * 8, 2), 5, 8)));
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--inputs", inputs.toString()), Main.INPUT_ERRORS,
                "attnc: error: inputs in in.safetensors disagree on T: `y` has 5 along it ([5, 8]), `x` has 3");
    }

    @Test
    void aSeqFarAboveTheBoundIsRefusedBeforeInputsAreDrawn() throws IOException {
        Path model = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY);
        // 2e9 x 8 floats could never be drawn: the bound is checked first.
        Hostile.assertOneLine(CliTest.attnc("run", model.toString(), "--seq", "2000000000"), Main.USAGE,
                "attnc: --seq 2000000000 is more than the model takes: T is at most 16 (`dim T <= 16` on line 3 of tiny.attn;"
                        + " raise that bound to take more); pass --seq 16 or less");
        Path free = Files.writeString(dir.resolve("free.attn"), Hostile.TINY.replace("dim T <= 16", "dim T"));
        Hostile.assertOneLine(CliTest.attnc("run", free.toString(), "--seq", "5000", "--max-seq", "4096"), Main.USAGE,
                "attnc: --seq 5000 is more than the model takes: T is at most 4096 (--max-seq 4096, since the model declares no"
                        + " bound for it); pass --seq 4096 or less");
    }

    @Test
    void aSmallBoundRunsWithoutSeq() throws IOException {
        Path model = Files.writeString(dir.resolve("tiny.attn"), Hostile.TINY.replace("dim T <= 16", "dim T <= 12"));
        CliTest.Run run = CliTest.attnc("run", model.toString());
        assertEquals(Main.OK, run.code(), run.err());
        assertTrue(run.out().contains("input x [12, 8]: "), run.out());
        assertEquals("", run.err());
    }
}
