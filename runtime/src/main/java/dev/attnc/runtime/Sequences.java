package dev.attnc.runtime;

import dev.attnc.runtime.kernels.AttentionKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * Sequences of different lengths packed row after row in one call (varlen): sequence
 * {@code s} holds the rows {@code start(s)} to {@code start(s) + length(s) - 1} of every
 * per-position value. Layers that treat rows alone (linear layers, norms, elementwise steps)
 * run over all {@link #rows()} at once; attention, positions and position tables run per
 * sequence, each from its own position 0.
 *
 * <p>Attention hands out tiles of {@link AttentionKernels#QUERIES} queries; a tile never spans
 * two sequences, so each sequence is tiled exactly as it would be alone and gives the same bits.
 */
public final class Sequences {
    private final int first;
    private final int[] starts;
    private final int[] tileSequence;
    private final int[] tileOffset;

    private Sequences(int first, int[] lengths) {
        this.first = first;
        this.starts = new int[lengths.length + 1];
        int tiles = 0;
        for (int s = 0; s < lengths.length; s++) {
            if (lengths[s] < 1) {
                throw new IllegalArgumentException("sequence " + s + " has " + lengths[s] + " rows; every sequence needs one at least");
            }
            starts[s + 1] = Math.addExact(starts[s], lengths[s]);
            tiles += tilesOf(lengths[s]);
        }
        tileSequence = new int[tiles];
        tileOffset = new int[tiles];
        int tile = 0;
        for (int s = 0; s < lengths.length; s++) {
            for (int t0 = 0; t0 < lengths[s]; t0 += AttentionKernels.QUERIES) {
                tileSequence[tile] = s;
                tileOffset[tile] = t0;
                tile++;
            }
        }
    }

    /** One sequence of {@code length} rows: a plain call. */
    public static Sequences one(int length) {
        return new Sequences(0, new int[] {length});
    }

    /** Sequences of the given lengths, packed in this order. */
    public static Sequences of(int... lengths) {
        return new Sequences(0, lengths.clone());
    }

    /**
     * Consecutive groups of the sequences, each of at most {@code maxRows} rows in all, in order:
     * a model's buffers hold {@code maxRows} rows, so a large batch runs as several packed calls.
     *
     * @throws IllegalArgumentException if one sequence alone is longer than {@code maxRows}
     */
    public static List<Sequences> chunks(int[] lengths, int maxRows) {
        List<Sequences> chunks = new ArrayList<>();
        int from = 0;
        while (from < lengths.length) {
            long rows = 0;
            int to = from;
            while (to < lengths.length && rows + lengths[to] <= maxRows) {
                rows += lengths[to];
                to++;
            }
            if (to == from) {
                throw new IllegalArgumentException("sequence " + from + " has " + lengths[from] + " rows, more than the "
                        + maxRows + " a call holds");
            }
            chunks.add(new Sequences(from, java.util.Arrays.copyOfRange(lengths, from, to)));
            from = to;
        }
        return chunks;
    }

    /** Where these sequences start in the caller's batch: sequence {@code s} here is item {@code first() + s} there. */
    public int first() {
        return first;
    }

    /** How many sequences. */
    public int count() {
        return starts.length - 1;
    }

    /** The first row of sequence {@code s}. */
    public int start(int s) {
        return starts[s];
    }

    /** The rows of sequence {@code s}. */
    public int length(int s) {
        return starts[s + 1] - starts[s];
    }

    /** The rows of every sequence together. */
    public int rows() {
        return starts[starts.length - 1];
    }

    /** Tiles of {@link AttentionKernels#QUERIES} queries over all sequences, none spanning two. */
    public int tiles() {
        return tileSequence.length;
    }

    /** The sequence tile {@code tile} belongs to. */
    public int sequenceOfTile(int tile) {
        return tileSequence[tile];
    }

    /** The first query of tile {@code tile}, counted from the start of its sequence. */
    public int tileOffset(int tile) {
        return tileOffset[tile];
    }

    private static int tilesOf(int length) {
        return (length + AttentionKernels.QUERIES - 1) / AttentionKernels.QUERIES;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Sequences[");
        for (int s = 0; s < count(); s++) {
            text.append(s == 0 ? "" : ", ").append(length(s));
        }
        return text.append(']').toString();
    }
}
