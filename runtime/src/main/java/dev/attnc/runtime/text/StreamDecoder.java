package dev.attnc.runtime.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns token ids into text one at a time, as a model generates them. A token may end in the
 * middle of a UTF-8 character (byte-fallback tokens, byte-level BPE pieces of an emoji): those
 * bytes, at most 3, are held back until the token that completes the character, so the text
 * printed so far is always whole characters. Bytes that cannot be UTF-8 become U+FFFD, exactly as
 * {@link Tokenizer#decode} gives them.
 *
 * <p>Get one from {@link Tokenizer#streamDecoder()}; not safe for use by several threads.
 */
public final class StreamDecoder {
    private final AbstractTokenizer tokenizer;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private boolean dropLeadingSpace;
    private byte[] pending = new byte[0];

    StreamDecoder(AbstractTokenizer tokenizer, boolean dropLeadingSpace) {
        this.tokenizer = tokenizer;
        this.dropLeadingSpace = dropLeadingSpace;
    }

    /**
     * The text token {@code id} completes: its characters, after any held back; empty while a
     * character is still incomplete, or for a token without text (control tokens).
     *
     * @throws TokenizerException if {@code id} is outside the vocabulary
     */
    public String next(int id) {
        byte[] bytes = tokenizer.pieceBytes(id);
        int from = 0;
        if (dropLeadingSpace && bytes.length > 0) {
            dropLeadingSpace = false;
            if (bytes[0] == ' ') {
                from = 1;
            }
        }
        if (from == bytes.length) {
            return "";
        }
        ByteBuffer in = ByteBuffer.allocate(pending.length + bytes.length - from);
        in.put(pending).put(bytes, from, bytes.length - from).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        utf8.decode(in, out, false);
        pending = Arrays.copyOfRange(in.array(), in.position(), in.limit());
        return out.flip().toString();
    }

    /** Whether bytes of an incomplete character are held back. */
    public boolean hasPendingBytes() {
        return pending.length > 0;
    }

    /**
     * Ends the stream: the bytes held back, as U+FFFD (they never formed a character), or "".
     * The decoder can then start a new stream (keeping every space).
     */
    public String finish() {
        ByteBuffer in = ByteBuffer.wrap(pending);
        CharBuffer out = CharBuffer.allocate(pending.length + 1);
        utf8.decode(in, out, true);
        utf8.flush(out);
        utf8.reset();
        pending = new byte[0];
        dropLeadingSpace = false;
        return out.flip().toString();
    }
}
