package dev.attnc.runtime.weights;

/**
 * A weights file, a weight or a model input that cannot be used: missing, malformed, of the
 * wrong shape or of an unsupported dtype.
 *
 * <p>This is the one exception a user of a generated model sees for bad weights and inputs.
 * Its message is written for a person: it names the tensor (when there is one), says what is
 * wrong and names the source, e.g.
 * {@code h.0.attn.c_attn.weight: expected [2304, 768], found [768, 2304] in gpt2.safetensors}.
 */
public class WeightException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WeightException(String message) {
        super(message);
    }

    public WeightException(String message, Throwable cause) {
        super(message, cause);
    }
}
