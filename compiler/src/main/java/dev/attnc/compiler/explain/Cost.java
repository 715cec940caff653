package dev.attnc.compiler.explain;

/**
 * What one run of one node costs: floating-point operations, and bytes read from and written to
 * memory (4 per element: activations and weights are float32, ids and lengths int32), counting
 * each input and output once, as a kernel that keeps its working set in cache would.
 *
 * @param flops        additions, multiplications, comparisons and function calls such as exp, one each
 * @param bytesRead    inputs and weights
 * @param bytesWritten outputs
 * @param note         what the figures assume, or ""
 */
public record Cost(long flops, long bytesRead, long bytesWritten, String note) {

    /** Nothing: a view or a weight, read by its users. */
    static Cost free(String note) {
        return new Cost(0, 0, 0, note);
    }

    /** bytesRead + bytesWritten. */
    public long bytes() {
        return bytesRead + bytesWritten;
    }

    /** FLOPs per byte moved; NaN when nothing moves. */
    public double intensity() {
        return bytes() == 0 ? Double.NaN : (double) flops / bytes();
    }
}
