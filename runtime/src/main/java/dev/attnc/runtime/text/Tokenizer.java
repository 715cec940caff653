package dev.attnc.runtime.text;

import java.util.Map;

/**
 * A tokenizer of a decoder model: text to token ids and back.
 *
 * <p>Two kinds exist: {@link SentencePieceTokenizer} (Llama 1/2, TinyLlama, Mistral: GGUF
 * {@code tokenizer.ggml.model = "llama"}) and {@link ByteLevelBpeTokenizer} (GPT-2, Llama 3,
 * Qwen2: GGUF {@code "gpt2"}, or a Hugging Face {@code tokenizer.json}). Build one from GGUF
 * metadata with {@link #fromGgufMetadata}, or with the factories of each class.
 *
 * <p>Input is untrusted: any {@link String} can be encoded (an unpaired surrogate is read as
 * U+FFFD; control characters are text like any other), and any id sequence within the vocabulary
 * can be decoded (bytes that are not UTF-8 become U+FFFD). Work and memory grow linearly with the
 * text (times a log factor for the merge queue); a text longer than {@link #maxTextChars()}
 * UTF-16 chars is refused with a {@link TokenizerException} rather than exhausting memory.
 *
 * <p>Streaming generated text, one token at a time:
 * <pre>{@code
 * Tokenizer tokenizer = Tokenizer.fromGgufMetadata(metadata);
 * int[] prompt = tokenizer.encode("Once upon a time", true);
 * StreamDecoder out = tokenizer.streamDecoder();
 * for (int id : generatedIds) {           // one id per decoding step
 *     if (id == tokenizer.eosId()) break;
 *     System.out.print(out.next(id));     // "" while a UTF-8 character is still incomplete
 * }
 * System.out.print(out.finish());          // what was held back, if anything
 * }</pre>
 *
 * <p>Implementations are immutable and safe to use from several threads; a
 * {@link StreamDecoder} is not.
 */
public interface Tokenizer {

    /**
     * The default limit on one text to encode: 1 Mi UTF-16 chars (about 250,000 tokens, more than any
     * context window; at most about 80 MiB of working memory).
     */
    int DEFAULT_MAX_TEXT_CHARS = 1 << 20;

    /**
     * The ids of {@code text}, with the BOS token first when {@code addBos}. Control tokens written
     * in the text (such as {@code <s>} or {@code <|endoftext|>}) are encoded as plain text, so text
     * from a user cannot smuggle control tokens in; user-defined tokens are kept whole.
     *
     * @throws TokenizerException if {@code addBos} and the vocabulary has no BOS token, or the text
     *     is longer than {@link #maxTextChars()}
     */
    default int[] encode(String text, boolean addBos) {
        return encode(text, addBos, false);
    }

    /**
     * As {@link #encode(String, boolean)}; with {@code parseSpecial}, control tokens written in the
     * text become their ids (for chat templates a program writes, not for user text).
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /**
     * The text of {@code ids}: the bytes of each token in turn, read as UTF-8 (malformed bytes
     * become U+FFFD). Control, unknown and unused tokens give no text. A SentencePiece tokenizer
     * that prefixes a space when encoding drops the leading space of the first token that has
     * text, so {@code decode(encode(t, b))} is {@code t}.
     *
     * @throws TokenizerException if an id is outside the vocabulary
     */
    String decode(int[] ids);

    /**
     * The bytes one token stands for when decoded (a copy; empty for control, unknown and unused
     * tokens). They may be part of a UTF-8 character only.
     *
     * @throws TokenizerException if {@code id} is outside the vocabulary
     */
    byte[] tokenBytes(int id);

    /**
     * A decoder for text streamed one token at a time, holding back an incomplete UTF-8 character
     * until the token that completes it. It keeps every space (a generated token {@code "▁there"}
     * gives {@code " there"}); use {@link #streamDecoder(boolean)} with {@code true} to drop the
     * space a SentencePiece tokenizer prefixed to the start of the text.
     */
    default StreamDecoder streamDecoder() {
        return streamDecoder(false);
    }

    /**
     * A stream decoder; with {@code atStartOfText} the first token that has text loses the space
     * this tokenizer prefixed when encoding (as {@link #decode} does), if it prefixes one.
     */
    StreamDecoder streamDecoder(boolean atStartOfText);

    /** The number of tokens in the vocabulary (ids are 0 to this minus 1). */
    int vocabularySize();

    /** The vocabulary string of token {@code id} ({@code "▁the"}, {@code "Ġthe"}, {@code "<s>"}). */
    String token(int id);

    /** The type of token {@code id}. */
    TokenType tokenType(int id);

    /** The id of the beginning-of-sequence token, or -1 if the vocabulary has none. */
    int bosId();

    /** The id of the end-of-sequence token, or -1 if the vocabulary has none. */
    int eosId();

    /**
     * Whether the model expects BOS first (GGUF {@code tokenizer.ggml.add_bos_token}; when absent,
     * true for SentencePiece and false for byte-level BPE).
     */
    boolean addsBosByDefault();

    /** The longest text {@link #encode} accepts, in UTF-16 chars. */
    int maxTextChars();

    /**
     * The tokenizer GGUF metadata describes: {@code tokenizer.ggml.model} "llama" gives a
     * {@link SentencePieceTokenizer}, "gpt2" a {@link ByteLevelBpeTokenizer}. See
     * {@link GgufVocabulary#fromMetadata} for the keys read and the Java types accepted.
     *
     * @throws TokenizerException if a key is missing or of the wrong type, the model is neither,
     *     or the vocabulary is inconsistent
     */
    static Tokenizer fromGgufMetadata(Map<String, ?> metadata) {
        return fromGguf(GgufVocabulary.fromMetadata(metadata));
    }

    /** The tokenizer of a GGUF vocabulary; see {@link #fromGgufMetadata}. */
    static Tokenizer fromGguf(GgufVocabulary vocabulary) {
        return switch (vocabulary.model()) {
            case "llama" -> SentencePieceTokenizer.of(vocabulary);
            case "gpt2" -> ByteLevelBpeTokenizer.of(vocabulary);
            default -> throw new TokenizerException("tokenizer.ggml.model is \"" + vocabulary.model()
                    + "\"; attnc reads \"llama\" (SentencePiece) and \"gpt2\" (byte-level BPE) vocabularies");
        };
    }
}
