package dev.attnc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.bench.onnx.OnnxModels;
import dev.attnc.runtime.Model;
import dev.attnc.runtime.Tensor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the benchmarks rely on besides the engines' agreement; no benchmark runs here. */
class BenchSetupTest {

    /** The .onnx files the benchmarks load are exactly what the generator writes. */
    @Test
    void committedOnnxFilesMatchTheGenerator() {
        for (OnnxModels.Op op : OnnxModels.Op.values()) {
            for (Variant variant : Variant.values()) {
                if (OnnxModels.supports(op, variant)) {
                    assertArrayEquals(OnnxModels.model(op, variant), Ort.onnx(op, variant),
                            op.fileName(variant) + " differs from OnnxModels' output: run OnnxModels to rewrite it");
                }
            }
        }
    }

    /**
     * The decode benchmark's trick, at a small T: after a step, setting the cache length back
     * makes the next step see the same cache and give the same output.
     */
    @Test
    @SuppressWarnings("unchecked")
    void decodeStepRepeatsAfterTheCacheLengthIsSetBack() throws Throwable {
        int t = 16;
        Model model = Attnc.model("gpt2_block_16.attn", BlockBench.gpt2(t), t, 42);
        MethodHandle step = Attnc.step(model);
        VarHandle cached = Attnc.cachedPositions(model);
        int[] ids = BlockBench.ids(t, 50257);
        model.forward(Map.of("ids", Tensor.ints(Arrays.copyOf(ids, t - 1), t - 1)));
        assertEquals(t - 1, (int) cached.get(model));
        Map<String, Tensor> next = Map.of("ids", Tensor.ints(new int[] {ids[t - 1]}, 1));
        float[] first = ((Map<String, Tensor>) step.invokeExact(model, next)).get("x").floatData().clone();
        assertEquals(t, (int) cached.get(model));
        cached.set(model, t - 1);
        float[] second = ((Map<String, Tensor>) step.invokeExact(model, next)).get("x").floatData();
        assertArrayEquals(first, second);
        // And the step equals the last row of a forward over the whole sequence.
        float[] whole = model.forward(Map.of("ids", Tensor.ints(ids, t))).get("x").floatData();
        float[] last = Arrays.copyOfRange(whole, (t - 1) * 768, t * 768);
        for (int i = 0; i < 768; i++) {
            assertEquals(last[i], first[i], 1e-4, "feature " + i);
        }
    }

    /** The FLOP counts the report divides by. */
    @Test
    void neededFlopsCountVisiblePairs() {
        assertEquals(64L * 64, Variant.FULL.visiblePairs(64));
        assertEquals(64L * 65 / 2, Variant.CAUSAL.visiblePairs(64));
        assertEquals(256L * 257 / 2 + (1000L - 256) * 256, Variant.WINDOW.visiblePairs(1000));
    }
}
