package dev.attnc.runtime;

/**
 * A call to a model with inputs it cannot take: a missing tensor, a wrong shape or element
 * type, a sequence longer than the model was compiled for, a token id out of range. The
 * message names the tensor and the expected and actual shapes.
 */
public final class ModelInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ModelInputException(String message) {
        super(message);
    }
}
