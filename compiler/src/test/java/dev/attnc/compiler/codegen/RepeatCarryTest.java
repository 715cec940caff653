package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values handed from layer to layer are all updated at once, as the .attn reads. */
class RepeatCarryTest {

    @Test
    void swappedValuesSwapEveryLayer() {
        Model model = Compiled.source("swap.attn", """
                model Swap {
                  dim T <= 8
                  input a : [T, 4]
                  input b : [T, 4]
                  repeat 3 {
                    t = a
                    a = b
                    b = t
                  }
                  output a, b
                }
                """).load(new RecordingWeights(1));
        Tensor a = Tensor.floats(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor b = Tensor.floats(new float[] {5, 6, 7, 8}, 1, 4);
        Map<String, Tensor> out = model.forward(Map.of("a", a, "b", b));
        // Three swaps leave them swapped.
        assertArrayEquals(b.floatData(), out.get("a").floatData());
        assertArrayEquals(a.floatData(), out.get("b").floatData());
    }

    @Test
    void aValueFromBeforeTheLoopCanBeCarried() {
        Model model = Compiled.source("before.attn", """
                model Before {
                  dim T <= 8
                  input x : [T, 2]
                  input y : [T, 2]
                  repeat 2 {
                    y = y + x
                    x = x * 1
                  }
                  output y
                }
                """).load(new RecordingWeights(1));
        Map<String, Tensor> out = model.forward(Map.of("x", Tensor.floats(new float[] {1, 2}, 1, 2),
                "y", Tensor.floats(new float[] {10, 20}, 1, 2)));
        assertArrayEquals(new float[] {12, 24}, out.get("y").floatData());
        assertEquals(2, out.get("y").size());
    }
}
