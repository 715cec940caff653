package dev.attnc.runtime.weights;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The JSON header of a safetensors file as characters, read from the file a chunk at a time and
 * decoded as strict UTF-8 on the way, so that the parser sees the first bad byte before the
 * rest is read and nothing proportional to the header's claimed length is allocated.
 *
 * <p>It also bounds every JSON string: a string longer than {@link #MAX_STRING_CHARS} stops the
 * read, before the parser has gathered more than that (plus one chunk) of it.
 */
final class HeaderReader extends Reader {

    /** The longest string (tensor name, key or metadata value) a header may hold. */
    static final int MAX_STRING_CHARS = 1 << 22;

    private static final int CHUNK = 1 << 16;

    private final FileChannel channel;
    private final String file;
    /** The file position of the next byte to read, and of the byte after the header. */
    private long next;
    private final long end;
    /** Bytes read but not yet decoded, in read mode. */
    private final ByteBuffer bytes = ByteBuffer.allocate(CHUNK).flip();
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    /** Characters decoded but not yet handed out, in read mode. */
    private final CharBuffer chars = CharBuffer.allocate(CHUNK).flip();
    /** Header bytes decoded so far. */
    private long decoded;
    private boolean done;

    // Where the characters handed out so far leave a JSON string.
    private boolean inString;
    private boolean escaped;
    private long stringChars;

    /**
     * @param start the file position of the header's first byte
     * @param length the header's length in bytes, already checked against the file's size
     */
    HeaderReader(FileChannel channel, long start, long length, String file) {
        this.channel = channel;
        this.next = start;
        this.end = start + length;
        this.file = file;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!chars.hasRemaining() && !decodeMore()) {
            return -1;
        }
        int count = Math.min(length, chars.remaining());
        chars.get(buffer, offset, count);
        scanStrings(buffer, offset, count);
        return count;
    }

    /** Decodes the next characters into {@link #chars}; false at the end of the header. */
    private boolean decodeMore() throws IOException {
        chars.clear();
        while (chars.position() == 0 && !done) {
            fill();
            boolean last = next == end;
            int before = bytes.position();
            CoderResult result = decoder.decode(bytes, chars, last);
            decoded += bytes.position() - before;
            if (result.isError()) {
                throw new WeightException(file + ": header is not valid UTF-8 (at byte " + decoded + " of the header)");
            }
            if (last && !bytes.hasRemaining()) {
                decoder.flush(chars);
                done = true;
            }
        }
        chars.flip();
        return chars.hasRemaining();
    }

    /** Tops up the undecoded bytes from the file, up to the end of the header. */
    private void fill() throws IOException {
        if (next == end || bytes.remaining() >= CHUNK / 2) {
            return;
        }
        bytes.compact();
        bytes.limit((int) Math.min(bytes.capacity(), bytes.position() + (end - next)));
        while (bytes.hasRemaining()) {
            int read = channel.read(bytes, next);
            if (read < 0) {
                throw new WeightException(file + " ended early at byte " + next + " (was it changed while open?)");
            }
            next += read;
        }
        bytes.flip();
    }

    /** Follows JSON strings through {@code chars}, counting the characters of the open one. */
    private void scanStrings(char[] chars, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            char c = chars[i];
            if (!inString) {
                if (c == '"') {
                    inString = true;
                    stringChars = 0;
                }
            } else if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            }
            if (inString && ++stringChars > MAX_STRING_CHARS) {
                throw new WeightException(file + ": header holds a string of more than " + MAX_STRING_CHARS
                        + " characters (before byte " + decoded + " of the header), more than attnc reads");
            }
        }
    }

    @Override
    public void close() {
        // the channel belongs to the caller
    }
}
