package dev.attnc.runtime.text;

/**
 * A tokenizer file that cannot be used (missing, not JSON, a tokenizer of another kind, a
 * vocabulary without the tokens it needs), or text that cannot be encoded. The message names
 * the file and what is wrong.
 */
public class TokenizerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
