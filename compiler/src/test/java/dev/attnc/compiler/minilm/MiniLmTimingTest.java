package dev.attnc.compiler.minilm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.codegen.Compiled;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.kernels.Threads;
import dev.attnc.runtime.weights.MappedWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Time per sentence, attnc (JVM backend) and ONNX Runtime in the same run, on the same
 * sentences one at a time (each unpadded, batch of one), after a warm-up; and the max
 * difference of their last hidden states. Not a benchmark (no JMH, shared machine): a
 * measurement printed with the test output and written to target/minilm-timing.txt.
 */
class MiniLmTimingTest {
    static final int WARMUP = 5;
    static final int ROUNDS = 20;

    @Test
    void timePerSentence() throws IOException {
        int[][] sentences = MiniLmMatchesOnnxRuntimeTest.SENTENCES;
        // A longer text too: 128 word pieces (the tokenizer.json's own truncation length).
        int[] long128 = new int[128];
        for (int i = 0; i < long128.length; i++) {
            long128[i] = i == 0 ? 101 : i == 127 ? 102 : 1996 + (i * 37) % 5000;
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format("all-MiniLM-L6-v2, one sentence per call, %d warm-up rounds then the mean of %d;"
                + " %d cores, attnc kernels on %d threads, ONNX Runtime with its default threads",
                WARMUP, ROUNDS, Runtime.getRuntime().availableProcessors(), Threads.count()));
        double maxDiff = 0;
        try (MappedWeights weights = MiniLmFiles.weights();
                OnnxRuntimeReference ort = new OnnxRuntimeReference(MiniLmFiles.onnxBytes())) {
            Model model = Compiled.sample("minilm").load(weights);
            for (int[][] set : new int[][][] {sentences, {long128}}) {
                double attnc = time(() -> {
                    for (int[] s : set) {
                        MiniLmMatchesOnnxRuntimeTest.run(model, s, MiniLmMatchesOnnxRuntimeTest.ones(s.length));
                    }
                }) / set.length;
                double onnx = time(() -> {
                    for (int[] s : set) {
                        ort.lastHiddenState(new int[][] {s}, new int[][] {MiniLmMatchesOnnxRuntimeTest.ones(s.length)});
                    }
                }) / set.length;
                for (int[] s : set) {
                    float[] got = MiniLmMatchesOnnxRuntimeTest.run(model, s, MiniLmMatchesOnnxRuntimeTest.ones(s.length));
                    float[][] want = ort.lastHiddenState(new int[][] {s},
                            new int[][] {MiniLmMatchesOnnxRuntimeTest.ones(s.length)})[0];
                    for (int i = 0; i < s.length; i++) {
                        for (int d = 0; d < 384; d++) {
                            maxDiff = Math.max(maxDiff, Math.abs(got[i * 384 + d] - want[i][d]));
                        }
                    }
                }
                String lengths = Arrays.toString(Arrays.stream(set).mapToInt(s -> s.length).toArray());
                lines.add(String.format("tokens %s: attnc %.2f ms per sentence, ONNX Runtime %.2f ms per sentence"
                        + " (attnc / ONNX Runtime = %.1f)", lengths, attnc, onnx, attnc / onnx));
            }
        }
        lines.add(String.format("max abs difference of the last hidden states: %.3g", maxDiff));
        lines.forEach(System.out::println);
        Files.write(Path.of("target/minilm-timing.txt"), lines);
        assertTrue(maxDiff <= MiniLmMatchesOnnxRuntimeTest.TOLERANCE, "max abs difference " + maxDiff);
    }

    /** Mean milliseconds of one run of {@code work}, after the warm-up. */
    private static double time(Runnable work) {
        for (int i = 0; i < WARMUP; i++) {
            work.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < ROUNDS; i++) {
            work.run();
        }
        return (System.nanoTime() - start) / 1e6 / ROUNDS;
    }
}
