package dev.attnc.runtime;

/** The element type of a {@link Tensor}: what generated models compute with. */
public enum DType {
    /** 32-bit IEEE 754 float: activations and weights. */
    F32,
    /** 32-bit signed integer: token ids, positions, sequence lengths. */
    I32;

    /** Bytes per element. */
    public int byteSize() {
        return 4;
    }
}
