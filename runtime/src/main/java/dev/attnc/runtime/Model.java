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

    /** Records attention weights during the following calls; null stops recording. */
    void recordAttention(AttentionMaps maps);

    /** Releases what the model holds outside the Java heap (device memory for TornadoVM); nothing on the JVM. */
    @Override
    default void close() {
    }
}
