package dev.attnc.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Records the softmax weights of chosen attentions, layers and heads while a model runs.
 * Recording is for looking at, not for speed: each recorded head gets its own queries x keys
 * buffer, which the attention path itself never has.
 */
public final class AttentionMaps {
    /**
     * Marks a cell whose key the mask hides from its query: negative zero, which adds, compares
     * and prints as 0 (a row still sums to 1) and which no softmax weight ever is.
     */
    public static final float MASKED = -0.0f;

    /** One recorded map: weights[query * keys + key]; masked cells hold {@link #MASKED} in {@code weights}. */
    public record Map(String attention, int layer, int head, int queries, int keys, float[] weights) {
        /** The weight of key {@code key} for query {@code query}: 0 (not -0) where the mask hides it. */
        public float weight(int query, int key) {
            return weights[query * keys + key] + 0.0f; // -0 + 0 is +0: the marker stays out of sums and prints
        }

        /** Whether the mask hides key {@code key} from query {@code query} (its weight is 0 either way). */
        public boolean masked(int query, int key) {
            return Float.floatToRawIntBits(weights[query * keys + key]) == Float.floatToRawIntBits(MASKED);
        }
    }

    private final Set<Integer> layers;
    private final Set<Integer> heads;
    private final List<Map> recorded = new ArrayList<>();

    /** Records the given layers and heads; an empty set means all of them. */
    public AttentionMaps(Set<Integer> layers, Set<Integer> heads) {
        this.layers = Set.copyOf(layers);
        this.heads = Set.copyOf(heads);
    }

    public static AttentionMaps all() {
        return new AttentionMaps(Set.of(), Set.of());
    }

    public boolean wants(int layer, int head) {
        return (layers.isEmpty() || layers.contains(layer)) && (heads.isEmpty() || heads.contains(head));
    }

    /**
     * A buffer for one head's map, kept in {@link #maps()}: every cell {@link #MASKED} until the
     * model writes the weight of a key its query sees.
     */
    public float[] record(String attention, int layer, int head, int queries, int keys) {
        float[] weights = new float[Math.multiplyExact(queries, keys)];
        java.util.Arrays.fill(weights, MASKED);
        recorded.add(new Map(attention, layer, head, queries, keys, weights));
        return weights;
    }

    public List<Map> maps() {
        return Collections.unmodifiableList(recorded);
    }

    public void clear() {
        recorded.clear();
    }
}
