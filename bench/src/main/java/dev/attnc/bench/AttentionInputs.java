package dev.attnc.bench;

/** The q, k and v of an attention benchmark at length T: seeded, uniform in [-1, 1), the same for both engines. */
public final class AttentionInputs {
    public final float[] q;
    public final float[] k;
    public final float[] v;

    public AttentionInputs(Variant variant, int t) {
        q = Attnc.random(t * Variant.WIDTH, 11);
        k = Attnc.random(t * variant.kvWidth(), 12);
        v = Attnc.random(t * variant.kvWidth(), 13);
    }
}
