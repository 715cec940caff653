package dev.attnc.compiler.explain;

/**
 * The shape of one fused attention at the chosen dims, and what it did not store.
 *
 * @param node         the attention node's id
 * @param name         the .attn variable it was assigned to, or ""
 * @param heads        query heads
 * @param queries      query rows
 * @param keys         key rows
 * @param pairs        (query, key) pairs per head the mask lets the loop visit
 * @param scoreBytes   bytes of scores a materialising attention would store for those pairs, all heads
 * @param denseBytes   bytes of the full queries x keys score matrix, all heads
 * @param mask         the mask as written, or "" for none
 * @param exact        false when the mask tests input values, which the count cannot know: then
 *                     every key such a test could drop is counted, and {@code pairs} is an upper bound
 */
public record AttentionCost(int node, String name, long heads, long queries, long keys, long pairs, long scoreBytes,
        long denseBytes, String mask, boolean exact) {

    /** Visited pairs over queries x keys: about 0.5 for a causal mask. */
    public double fraction() {
        return queries * keys == 0 ? 0 : (double) pairs / ((double) queries * keys);
    }
}
