package dev.attnc.compiler.reference;

import static dev.attnc.compiler.reference.Ref.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sanity checks of the sample forwards: they read exactly the tensors {@link Samples#tensorShapes}
 * lists, give finite outputs of the right shape, and respect their masks (causal prefixes,
 * padding, the sliding window).
 */
class SamplesRefTest {
    /** Seeded random weights of the declared shapes, generated once per name. */
    static final class RandomWeights implements Samples.Weights {
        final Map<String, int[]> shapes;
        final Map<String, float[]> cache = new HashMap<>();
        final Set<String> read = new LinkedHashSet<>();
        final long seed;

        RandomWeights(String sample, long seed) {
            this.shapes = Samples.tensorShapes(sample);
            this.seed = seed;
        }

        @Override
        public float[] get(String name) {
            int[] shape = shapes.get(name);
            if (shape == null) throw new IllegalArgumentException("not a tensor of the sample: " + name);
            read.add(name);
            return cache.computeIfAbsent(name, n -> make(n, shape));
        }

        private float[] make(String name, int[] shape) {
            SplittableRandom r = new SplittableRandom(seed * 31 + name.hashCode());
            int n = 1;
            for (int d : shape) n *= d;
            float[] a = new float[n];
            if (shape.length == 2) {
                // Uniform with variance 1 / min(rows, cols): O(1) activations either layout.
                double lim = Math.sqrt(3.0 / Math.min(shape[0], shape[1]));
                if (name.contains("embedding") || name.startsWith("wte") || name.startsWith("wpe")) lim = 1.0;
                for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-lim, lim);
            } else if (name.endsWith("bias")) {
                for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-0.1, 0.1);
            } else { // a norm's weight
                for (int i = 0; i < n; i++) a[i] = (float) (1 + r.nextDouble(-0.2, 0.2));
            }
            return a;
        }
    }

    private static double[][] random(SplittableRandom r, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x)
            for (int j = 0; j < cols; j++) row[j] = r.nextDouble(-1, 1);
        return x;
    }

    private static int[] ids(SplittableRandom r, int t, int n) {
        int[] a = new int[t];
        for (int i = 0; i < t; i++) a[i] = r.nextInt(n);
        return a;
    }

    private static void assertSane(double[][] y, int rows, int cols) {
        assertEquals(rows, y.length);
        for (double[] row : y) {
            assertEquals(cols, row.length);
            for (double v : row) assertTrue(Double.isFinite(v), "finite");
        }
    }

    private static void assertRowsEqual(double[][] a, double[][] b, int from, int to, double tol) {
        for (int i = from; i < to; i++)
            for (int j = 0; j < a[i].length; j++)
                assertEquals(a[i][j], b[i][j], tol, "row " + i + " col " + j);
    }

    private static double[][] prefix(double[][] x, int n) {
        double[][] r = new double[n][];
        for (int i = 0; i < n; i++) r[i] = x[i].clone();
        return r;
    }

    private static void assertReadAll(RandomWeights w) {
        assertEquals(w.shapes.keySet(), w.read, "tensors read");
    }

    @Test
    void transformerEncoderIgnoresPadding() {
        SplittableRandom r = new SplittableRandom(101);
        RandomWeights w = new RandomWeights("transformer_encoder", 1);
        double[][] x = scale(random(r, 6, 512), 0.05);
        double[][] y = Samples.transformerEncoder(w, x, 4);
        assertSane(y, 6, 512);
        assertReadAll(w);
        double[][] x2 = copy(x);
        for (int j = 0; j < 512; j++) { x2[4][j] = 7; x2[5][j] = -3; }
        assertRowsEqual(y, Samples.transformerEncoder(w, x2, 4), 0, 4, 0.0);
        // Post-norm with unit-ish gains: every row has mean ~ mean(bias) and is bounded.
        assertTrue(maxAbs(y) < 10);
        // len = 0: attention gives zeros, the rest still runs.
        assertSane(Samples.transformerEncoder(w, x, 0), 6, 512);
    }

    @Test
    void gpt2BlockIsCausal() {
        SplittableRandom r = new SplittableRandom(102);
        RandomWeights w = new RandomWeights("gpt2_block", 2);
        int[] ids = ids(r, 7, 50257);
        double[][] y = Samples.gpt2Block(w, ids);
        assertSane(y, 7, 768);
        assertReadAll(w);
        assertRowsEqual(y, Samples.gpt2Block(w, java.util.Arrays.copyOf(ids, 4)), 0, 4, 1e-12);
    }

    @Test
    void llamaBlockIsCausal() {
        SplittableRandom r = new SplittableRandom(103);
        RandomWeights w = new RandomWeights("llama_block", 3);
        double[][] x = random(r, 6, 576);
        double[][] y = Samples.llamaBlock(w, x);
        assertSane(y, 6, 576);
        assertReadAll(w);
        assertRowsEqual(y, Samples.llamaBlock(w, prefix(x, 3)), 0, 3, 1e-12);
    }

    @Test
    void slidingWindowSeesOnlyTheLastWKeys() {
        SplittableRandom r = new SplittableRandom(104);
        RandomWeights w = new RandomWeights("sliding_window", 4);
        int t = 260, window = 256;
        double[][] x = random(r, t, 512);
        double[][] y = Samples.slidingWindow(w, x);
        assertSane(y, t, 512);
        assertReadAll(w);
        double[][] x2 = copy(x);
        for (int j = 0; j < 512; j++) x2[0][j] = 5 * x[0][j] + 1;
        double[][] y2 = Samples.slidingWindow(w, x2);
        // Query i sees keys i - 255 .. i: token 0 reaches rows 0 .. 255 only.
        assertRowsEqual(y, y2, window, t, 0.0);
        assertTrue(maxAbsDiff(new double[][] {y[window - 1]}, new double[][] {y2[window - 1]}) > 1e-9,
                "row W - 1 still sees token 0");
        assertRowsEqual(y, Samples.slidingWindow(w, prefix(x, 5)), 0, 5, 1e-12);
    }

    @Test
    void alibiIsCausal() {
        SplittableRandom r = new SplittableRandom(105);
        RandomWeights w = new RandomWeights("alibi", 5);
        double[][] x = random(r, 6, 1024);
        double[][] y = Samples.alibi(w, x);
        assertSane(y, 6, 1024);
        assertReadAll(w);
        assertRowsEqual(y, Samples.alibi(w, prefix(x, 2)), 0, 2, 1e-12);
    }

    @Test
    void encoderDecoderIgnoresPaddedMemoryAndIsCausal() {
        SplittableRandom r = new SplittableRandom(106);
        RandomWeights w = new RandomWeights("encoder_decoder", 6);
        double[][] y0 = random(r, 5, 512), mem = random(r, 7, 512);
        double[][] y = Samples.encoderDecoder(w, y0, mem, 4);
        assertSane(y, 5, 512);
        assertReadAll(w);
        double[][] mem2 = copy(mem);
        for (int i = 4; i < 7; i++)
            for (int j = 0; j < 512; j++) mem2[i][j] = 9;
        assertRowsEqual(y, Samples.encoderDecoder(w, y0, mem2, 4), 0, 5, 0.0);
        assertRowsEqual(y, Samples.encoderDecoder(w, prefix(y0, 3), mem, 4), 0, 3, 1e-12);
        // Padding only the source: trimming memory to its real rows changes nothing.
        assertRowsEqual(y, Samples.encoderDecoder(w, y0, prefix(mem, 4), 4), 0, 5, 1e-12);
    }

    @Test
    void softcapIsCausal() {
        SplittableRandom r = new SplittableRandom(107);
        RandomWeights w = new RandomWeights("softcap", 7);
        double[][] x = random(r, 6, 768);
        double[][] y = Samples.softcap(w, x);
        assertSane(y, 6, 768);
        assertReadAll(w);
        assertRowsEqual(y, Samples.softcap(w, prefix(x, 4)), 0, 4, 1e-12);
    }

    @Test
    void minilmIgnoresPaddedTokens() {
        SplittableRandom r = new SplittableRandom(108);
        RandomWeights w = new RandomWeights("minilm", 8);
        int t = 8;
        int[] ids = ids(r, t, 30522), types = {0, 0, 0, 1, 1, 0, 0, 0}, mask = {1, 1, 1, 1, 1, 0, 0, 0};
        double[][] y = Samples.minilm(w, ids, types, mask);
        assertSane(y, t, 384);
        assertReadAll(w);
        int[] ids2 = ids.clone();
        for (int i = 5; i < t; i++) ids2[i] = (ids[i] + 17) % 30522;
        assertRowsEqual(y, Samples.minilm(w, ids2, types, mask), 0, 5, 0.0);
        // The same as running the five real tokens alone.
        int[] five = java.util.Arrays.copyOf(ids, 5);
        assertRowsEqual(y, Samples.minilm(w, five, java.util.Arrays.copyOf(types, 5), new int[] {1, 1, 1, 1, 1}), 0, 5, 1e-12);
    }

    @Test
    void everySampleHasShapes() {
        for (String s : Samples.NAMES) assertFalse(Samples.tensorShapes(s).isEmpty(), s);
        assertThrows(IllegalArgumentException.class, () -> Samples.tensorShapes("nope"));
    }
}
