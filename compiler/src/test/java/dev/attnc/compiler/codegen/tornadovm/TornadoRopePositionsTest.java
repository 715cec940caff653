package dev.attnc.compiler.codegen.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Backend;
import dev.attnc.compiler.api.CompileOptions;
import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.ModelInputException;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code rope(..., positions = ids)} on the TornadoVM backend (kernels on the JVM stand-in): rows
 * turned by the angles of the positions an int input holds, against the formula in float64; a
 * decoder whose prefill and steps give the JVM backend's rows; and a position past the tables,
 * which the host refuses before the kernel could read outside them.
 */
class TornadoRopePositionsTest {
    private static final String ROPE_ONLY = """
            model Packed {
              dim T <= 64
              input x : [T, 16]
              input pos : int[T]
              y = rope(x, heads = 2, positions = pos, layout = interleaved, base = 500.0)
              output y
            }
            """;

    private static final String DECODER = """
            model Tiny {
              const D = 32, H = 4
              dim T <= 32
              input x : [T, D]
              input pos : int[T]
              param wq : linear(D, D)
              param wk : linear(D, D)
              param wv : linear(D, D)
              q = rope(wq(x), heads = H, positions = pos)
              k = rope(wk(x), heads = H, positions = pos)
              y = attention(q, k, wv(x), heads = H, cache = true) { mask causal }
              output y
            }
            """;

    private static AttnModel compile(String source, Backend backend) {
        AttnModel model = Attnc.compile("positions.attn", source, CompileOptions.defaults().withBackend(backend)).orElseThrow();
        assertEquals(backend == Backend.TORNADOVM, model.javaSource().contains("TaskGraph"), "the class of the " + backend + " backend");
        return model;
    }

    @Test
    void rowsTurnByTheirPositions() {
        int[] positions = {5, 6, 7, 0, 1, 2, 63, 40}; // two packed sequences, the last table row, an offset one
        float[] x = random(positions.length * 16, 5);
        try (Model run = compile(ROPE_ONLY, Backend.TORNADOVM).load(Weights.random(1))) {
            float[] y = run.forward(Map.of("x", Tensor.floats(x, positions.length, 16), "pos",
                    Tensor.ints(positions, positions.length))).get("y").floatData();
            double worst = 0;
            for (int t = 0; t < positions.length; t++) {
                for (int h = 0; h < 2; h++) {
                    for (int k = 0; k < 4; k++) {
                        double angle = positions[t] * Math.pow(500, -2.0 * k / 8);
                        int at = t * 16 + h * 8 + 2 * k;
                        worst = Math.max(worst, Math.abs(x[at] * Math.cos(angle) - x[at + 1] * Math.sin(angle) - y[at]));
                        worst = Math.max(worst, Math.abs(x[at] * Math.sin(angle) + x[at + 1] * Math.cos(angle) - y[at + 1]));
                    }
                }
            }
            System.out.printf("rope at explicit positions on the TornadoVM backend: max abs error %.3g%n", worst);
            assertTrue(worst <= 1e-6, "max abs error " + worst);
        }
    }

    @Test
    void aPositionPastTheTablesIsRefusedByName() {
        try (Model run = compile(ROPE_ONLY, Backend.TORNADOVM).load(Weights.random(1))) {
            ModelInputException e = assertThrows(ModelInputException.class, () -> run.forward(Map.of(
                    "x", Tensor.floats(random(2 * 16, 3), 2, 16), "pos", Tensor.ints(new int[] {3, 64}, 2))));
            assertEquals("input `pos` holds position 64 at row 1, outside the positions 0 to 63 the RoPE tables of this TornadoVM"
                    + " class hold (its largest sequence length); the JVM backend takes any position", e.getMessage());
            ModelInputException negative = assertThrows(ModelInputException.class, () -> run.forward(Map.of(
                    "x", Tensor.floats(random(16, 3), 1, 16), "pos", Tensor.ints(new int[] {-1}, 1))));
            assertTrue(negative.getMessage().contains("position -1 at row 0"), negative.getMessage());
        }
    }

    /** Prefill of 5 rows, then a step per row, at positions from 10 with gaps: each row as the JVM backend's prefill of all 8. */
    @Test
    void aDecoderAtExplicitPositionsMatchesTheJvmBackend() {
        int length = 8;
        int prompt = 5;
        float[] x = random(length * 32, 6);
        // A sequence that continues one seen before, with gaps: a shift alone would not change attention (RoPE is relative).
        int[] positions = {10, 11, 12, 15, 16, 20, 21, 25};
        float[] expected;
        try (Model jvm = compile(DECODER, Backend.JVM).load(Weights.random(2))) {
            expected = jvm.forward(Map.of("x", Tensor.floats(x, length, 32), "pos", Tensor.ints(positions, length))).get("y").floatData();
        }
        try (Decoder decoder = compile(DECODER, Backend.TORNADOVM).loadDecoder(Weights.random(2))) {
            assertEquals(32, decoder.maxPositions());
            float[] rows = new float[length * 32];
            float[] head = new float[prompt * 32];
            System.arraycopy(x, 0, head, 0, head.length);
            float[] first = decoder.forward(Map.of("x", Tensor.floats(head, prompt, 32), "pos",
                    Tensor.ints(java.util.Arrays.copyOf(positions, prompt), prompt))).get("y").floatData();
            System.arraycopy(first, 0, rows, 0, first.length);
            for (int t = prompt; t < length; t++) {
                float[] row = new float[32];
                System.arraycopy(x, t * 32, row, 0, 32);
                float[] out = decoder.step(Map.of("x", Tensor.floats(row, 1, 32), "pos", Tensor.ints(new int[] {positions[t]}, 1)))
                        .get("y").floatData();
                System.arraycopy(out, 0, rows, t * 32, 32);
            }
            assertEquals(length, decoder.cachedPositions());
            double worst = 0;
            for (int i = 0; i < rows.length; i++) {
                worst = Math.max(worst, Math.abs(rows[i] - expected[i]));
            }
            System.out.printf("decoder at explicit positions, TornadoVM prefill + steps against the JVM backend: %.3g%n", worst);
            assertTrue(worst <= 1e-5, "max abs difference " + worst);
        }
    }

    private static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
