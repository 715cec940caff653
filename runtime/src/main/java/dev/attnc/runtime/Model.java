package dev.attnc.runtime;

import java.util.List;
import java.util.Map;

/**
 * What every generated model offers: named tensors in, named tensors out. Run-time dims
 * (such as the sequence length T) are read from the inputs' shapes.
 */
public interface Model extends AutoCloseable {

    /** The names of the inputs {@link #forward} expects, in declaration order. */
    List<String> inputNames();

    /** The names of the outputs {@link #forward} returns, in declaration order. */
    List<String> outputNames();

    /** Runs the whole model on a sequence. */
    Map<String, Tensor> forward(Map<String, Tensor> inputs);

    /**
     * Runs several sequences, each a map of inputs as {@link #forward} takes, and returns their
     * outputs in the same order: the same values as {@link #forward} on each alone. Models the JVM
     * backend generates pack the sequences row after row (see {@link #packsBatches()}), so each
     * linear layer reads its weights once for many sequences; this default runs them one after
     * another.
     *
     * @throws ModelInputException if a sequence's inputs are wrong, naming the sequence
     */
    default List<Map<String, Tensor>> forwardBatch(List<Map<String, Tensor>> batch) {
        return Batches.oneByOne(this, batch);
    }

    /**
     * Whether {@link #forwardBatch} packs its sequences into shared calls (true for models of
     * the JVM backend with one run-time dim and nothing but attention mixing positions), or runs
     * them one at a time.
     */
    default boolean packsBatches() {
        return false;
    }

    /** Records attention weights during the following calls; null stops recording. */
    void recordAttention(AttentionMaps maps);

    /** Releases what the model holds outside the Java heap (device memory for TornadoVM); nothing on the JVM. */
    @Override
    default void close() {
    }
}
