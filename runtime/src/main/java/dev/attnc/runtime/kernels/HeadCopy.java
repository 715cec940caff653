package dev.attnc.runtime.kernels;

import java.util.Arrays;

/**
 * One worker's copy of the keys and values of one attention head, rows next to each other.
 *
 * <p>In the activations, a head's key rows are a whole row of all heads apart (3 KB for 12
 * heads of 64), so they share few L1 sets; and every tile of queries of the head reads them
 * all. Copying them once per head, as far as the tiles reach, costs far less than reading them
 * strided tile after tile: the block of 64 x 64 went from 7.9 to 6.9 us.
 *
 * <p>A copy serves the tiles of one chunk of work only: {@link #forget()} at the start of every
 * chunk, since the activations change between calls.
 */
public final class HeadCopy {
    /**
     * Tiles with fewer queries read the activations in place: a decoding step's single query
     * would read each key once anyway, and copying it first would double its memory traffic.
     */
    static final int MIN_QUERIES = 8;

    private float[] keys = new float[0];
    private float[] values = new float[0];
    private float[] keySource;
    private float[] valueSource;
    private int keyAt = -1;
    private int valueAt = -1;
    private int copied;

    /** One copy for each kernel worker. */
    public static HeadCopy[] forEachWorker() {
        HeadCopy[] copies = new HeadCopy[Threads.count()];
        for (int worker = 0; worker < copies.length; worker++) {
            copies[worker] = new HeadCopy();
        }
        return copies;
    }

    /** Drops the copy: what it holds may have changed since. */
    public void forget() {
        keySource = null;
        valueSource = null;
        copied = 0;
    }

    /**
     * Copies keys {@code 0} to {@code upTo} of a head, unless they are copied already; returns
     * false, copying nothing, when the tile is too short to gain from the copy. Keys are read
     * at {@code keySource[kAt + j * kStride]}, {@code kWidth} of them, values likewise.
     */
    public boolean cover(int queries, int upTo, float[] keySource, int kAt, int kStride, int kWidth, float[] valueSource,
            int vAt, int vStride, int vWidth) {
        if (queries < MIN_QUERIES) {
            return false;
        }
        if (keySource != this.keySource || valueSource != this.valueSource || kAt != keyAt || vAt != valueAt) {
            this.keySource = keySource;
            this.valueSource = valueSource;
            keyAt = kAt;
            valueAt = vAt;
            copied = 0;
        }
        if (upTo > copied) {
            keys = rows(keys, keySource, kAt, kStride, kWidth, copied, upTo);
            values = rows(values, valueSource, vAt, vStride, vWidth, copied, upTo);
            copied = upTo;
        }
        return true;
    }

    /** The copied keys, {@code kWidth} floats per key from index 0. */
    public float[] keys() {
        return keys;
    }

    /** The copied values, {@code vWidth} floats per key from index 0. */
    public float[] values() {
        return values;
    }

    /** Rows {@code from} to {@code to} into {@code into} (grown, keeping what it holds, when too small). */
    private static float[] rows(float[] into, float[] source, int at, int stride, int width, int from, int to) {
        if (into.length < to * width) {
            into = java.util.Arrays.copyOf(into, Math.max(to * width, 2 * into.length));
        }
        AttentionKernels.copyRows(into, source, at, stride, width, from, to);
        return into;
    }
}
