package dev.attnc.bench;

import java.util.Locale;

/**
 * The attention variants of the benchmarks (issue 5), all with 12 query heads of 64, batch 1,
 * self-attention over T positions. Each knows its .attn model (a resource beside this class),
 * which keys a query sees, and the score bias, so that ONNX Runtime can be fed the same
 * mask as an input tensor.
 */
public enum Variant {
    /** No mask. */
    FULL(12, false, 0, false, 0f),
    /** {@code mask causal}. */
    CAUSAL(12, true, 0, false, 0f),
    /** {@code mask causal && i - j < 256}: a sliding window of 256 keys. */
    WINDOW(12, true, 256, false, 0f),
    /** {@code score s - alibi_slope(h) * (i - j); softcap 50.0; mask causal}. */
    ALIBI_SOFTCAP(12, true, 0, true, 50f),
    /** 12 query heads sharing 4 key/value heads, {@code mask causal}. */
    GQA(4, true, 0, false, 0f);

    public static final int HEADS = 12;
    public static final int HEAD_DIM = 64;
    public static final int WIDTH = HEADS * HEAD_DIM;
    public static final float SCALE = 0.125f;

    public final int kvHeads;
    public final boolean causal;
    /** The window's width in keys, or 0 for none. */
    public final int window;
    public final boolean alibi;
    /** The softcap, or 0 for none. */
    public final float softcap;

    Variant(int kvHeads, boolean causal, int window, boolean alibi, float softcap) {
        this.kvHeads = kvHeads;
        this.causal = causal;
        this.window = window;
        this.alibi = alibi;
        this.softcap = softcap;
    }

    /** The width of k and v rows. */
    public int kvWidth() {
        return kvHeads * HEAD_DIM;
    }

    /** The .attn resource: {@code attention_full.attn}, ... */
    public String resource() {
        return "models/attention_" + name().toLowerCase(Locale.ROOT) + ".attn";
    }

    public boolean visible(int i, int j) {
        return (!causal || j <= i) && (window == 0 || i - j < window);
    }

    /** How many (query, key) pairs are visible at length T: the work a kernel that skips masked keys must do. */
    public long visiblePairs(int t) {
        long pairs = 0;
        for (int i = 0; i < t; i++) {
            int first = window == 0 ? 0 : Math.max(0, i - window + 1);
            int last = causal ? i : t - 1;
            pairs += last - first + 1;
        }
        return pairs;
    }

    /** Floating-point operations actually needed at length T: 2 * 64 for q.k and 2 * 64 for p * v per visible pair and head. */
    public double flops(int t) {
        return 4.0 * HEAD_DIM * HEADS * visiblePairs(t);
    }

    /** The score bias of head h: the ALiBi term, or 0. */
    public float bias(int h, int i, int j) {
        return alibi ? -ALIBI_SLOPES[h] * (i - j) : 0f;
    }

    /**
     * ALiBi slopes of 12 heads as in Press et al.'s reference code: for a head count that is not
     * a power of two, the 8 slopes of 8 heads, then every other slope of 16 heads.
     */
    static final float[] ALIBI_SLOPES = alibiSlopes(HEADS);

    static float[] alibiSlopes(int heads) {
        int power = Integer.highestOneBit(heads);
        float[] slopes = new float[heads];
        for (int h = 0; h < power; h++) {
            slopes[h] = (float) Math.pow(2, -8.0 * (h + 1) / power);
        }
        for (int h = power; h < heads; h++) {
            int k = 2 * (h - power);
            slopes[h] = (float) Math.pow(2, -8.0 * (k + 1) / (2 * power));
        }
        return slopes;
    }
}
