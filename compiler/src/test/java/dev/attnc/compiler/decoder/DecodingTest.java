package dev.attnc.compiler.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.api.AttnModel;
import dev.attnc.compiler.api.Attnc;
import dev.attnc.compiler.api.Compilation;
import dev.attnc.compiler.api.Weights;
import dev.attnc.runtime.Decoder;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Decoding through the public API ({@link Decoder}, no reflection), RoPE at explicit positions
 * in a generated model, and the error for a cached decoder with cross-attention.
 */
class DecodingTest {

    @Test
    void ropeAtExplicitPositionsMatchesTheFormula() {
        AttnModel model = Attnc.compile("""
                model Packed {
                  dim T <= 64
                  input x : [T, 16]
                  input pos : int[T]
                  y = rope(x, heads = 2, positions = pos, layout = interleaved, base = 500.0)
                  output y
                }
                """).orElseThrow();
        int[] positions = {5, 6, 7, 0, 1, 2, 40}; // two packed sequences and an offset one
        float[] x = random(positions.length * 16, 5);
        try (Model run = model.load(Weights.random(1))) {
            float[] y = run.forward(Map.of("x", Tensor.floats(x, positions.length, 16), "pos",
                    Tensor.ints(positions, positions.length))).get("y").floatData();
            for (int t = 0; t < positions.length; t++) {
                for (int h = 0; h < 2; h++) {
                    for (int k = 0; k < 4; k++) {
                        double angle = positions[t] * Math.pow(500, -2.0 * k / 8);
                        int at = t * 16 + h * 8 + 2 * k;
                        assertEquals(x[at] * Math.cos(angle) - x[at + 1] * Math.sin(angle), y[at], 1e-6);
                        assertEquals(x[at] * Math.sin(angle) + x[at + 1] * Math.cos(angle), y[at + 1], 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void aJavaUserDecodesThroughTheDecoderInterface() {
        AttnModel model = Attnc.compile("""
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
                """).orElseThrow();
        int length = 9;
        float[] x = random(length * 32, 6);
        int[] positions = new int[length];
        for (int t = 0; t < length; t++) {
            positions[t] = 100 + t; // a sequence that continues one seen before
        }
        try (Decoder decoder = model.loadDecoder(Weights.random(2))) {
            assertEquals(32, decoder.maxPositions());
            float[] whole = decoder.forward(Map.of("x", Tensor.floats(x, length, 32), "pos", Tensor.ints(positions, length)))
                    .get("y").floatData();
            decoder.reset();
            assertEquals(0, decoder.cachedPositions());
            for (int t = 0; t < length; t++) {
                float[] row = new float[32];
                System.arraycopy(x, t * 32, row, 0, 32);
                float[] out = decoder.step(Map.of("x", Tensor.floats(row, 1, 32), "pos", Tensor.ints(new int[] {positions[t]}, 1)))
                        .get("y").floatData();
                for (int c = 0; c < 32; c++) {
                    assertEquals(whole[t * 32 + c], out[c], 1e-5, "row " + t);
                }
            }
            assertEquals(length, decoder.cachedPositions());
        }
    }

    @Test
    void aModelWithoutCacheIsNoDecoder() {
        AttnModel model = Attnc.compile("model M {\n  dim T\n  input x : [T, 8]\n  y = attention(x, x, x, heads = 2)\n  output y\n}\n")
                .orElseThrow();
        try (Model run = model.load(Weights.random(1))) {
            assertFalse(run instanceof Decoder);
        }
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> model.loadDecoder(Weights.random(1)));
        assertTrue(e.getMessage().contains("cannot decode step by step"), e.getMessage());
    }

    @Test
    void cachedDecoderWithCrossAttentionIsAnError() {
        Compilation result = Attnc.compile("dec.attn", """
                model Dec {
                  const D = 32
                  dim T <= 64, S <= 64
                  input y : [T, D]
                  input memory : [S, D]
                  a = attention(y, y, y, heads = 4, cache = true) { mask causal }
                  c = attention(a, memory, memory, heads = 4)
                  output c
                }
                """, dev.attnc.compiler.api.CompileOptions.defaults());
        assertEquals(1, result.errors().size(), result.render());
        assertEquals("dec.attn:7:7: error: cross-attention (keys of length S) in a model whose attention on line 6 keeps a KV cache: "
                + "decoding step by step with cross-attention is not supported yet; remove `cache = true` and run the decoder "
                + "with forward on the whole target", result.errors().get(0).headline());
    }

    @Test
    void positionsMixedAcrossRowsAreAnErrorWithACache() {
        Compilation result = Attnc.compile("mix.attn", """
                model Mix {
                  const D = 16
                  dim T <= 64
                  input x : [T, D]
                  a = attention(x, x, x, heads = 2, cache = true) { mask causal }
                  s = softmax(a, dim = 0)
                  output s
                }
                """, dev.attnc.compiler.api.CompileOptions.defaults());
        assertEquals(1, result.errors().size(), result.render());
        assertTrue(result.errors().get(0).headline().startsWith("mix.attn:6:7: error: `softmax` mixes positions"),
                result.errors().get(0).headline());
    }

    private static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        return values;
    }
}
