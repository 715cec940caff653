package dev.attnc.runtime.text;

/**
 * What a vocabulary entry is, with the codes GGUF stores in {@code tokenizer.ggml.token_type}.
 *
 * <ul>
 *   <li>{@link #NORMAL}: a piece of text, formed by merging and decoded to its text.
 *   <li>{@link #UNKNOWN}: the token for text that has no other token ({@code <unk>}); decodes to
 *       nothing.
 *   <li>{@link #CONTROL}: a marker such as BOS or EOS; never formed from text unless the caller asks
 *       for special tokens to be parsed; decodes to nothing.
 *   <li>{@link #USER_DEFINED}: a string always kept whole when it appears in the text; decodes to
 *       its text.
 *   <li>{@link #UNUSED}: a reserved slot; never produced, decodes to nothing.
 *   <li>{@link #BYTE}: a byte-fallback token {@code <0xXX>} of a SentencePiece vocabulary; decodes
 *       to that one byte.
 * </ul>
 * {@link #UNDEFINED} (code 0, which converters do not write) is treated as {@link #NORMAL}.
 */
public enum TokenType {
    UNDEFINED,
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    /** The GGUF code of this type (its ordinal: 0 to 6). */
    public int code() {
        return ordinal();
    }

    /**
     * The type with GGUF code {@code code}.
     *
     * @throws TokenizerException if {@code code} is not 0 to 6; {@code where} names the token
     */
    public static TokenType ofCode(long code, String where) {
        if (code < 0 || code >= values().length) {
            throw new TokenizerException(where + ": token type " + code + " is not one of 0..6"
                    + " (undefined, normal, unknown, control, user-defined, unused, byte)");
        }
        return values()[(int) code];
    }

    /** Whether text merging may produce this token (normal and user-defined pieces). */
    boolean isPiece() {
        return this == NORMAL || this == UNDEFINED || this == USER_DEFINED;
    }
}
