package dev.attnc.runtime.weights;

/**
 * What a weight is for, so that a source of random weights can pick values of a sensible
 * scale. Sources that read weights from a file ignore it.
 */
public enum Init {
    /** A linear layer's {@code [out, in]} matrix: uniform in ±1/sqrt(in), as PyTorch's {@code nn.Linear}. */
    LINEAR,
    /** An embedding table {@code [rows, D]}: normal, scaled by 1/sqrt(D). */
    EMBEDDING,
    /** A norm's scale (gamma): around 1. */
    NORM_SCALE,
    /** A bias (of a linear layer or a norm's beta): small, around 0. */
    BIAS,
    /** Any other tensor: uniform in ±1/sqrt(last dim). */
    TENSOR
}
