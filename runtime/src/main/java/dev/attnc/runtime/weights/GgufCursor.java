package dev.attnc.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the header of a GGUF file front to back through a 64 KiB buffer, checking every read
 * against the size of the file first: a truncated file or a length past its end fails with a
 * message saying what was being read, and no array is made longer than the bytes that are
 * really there.
 */
final class GgufCursor {

    private static final int CHUNK = 1 << 16;

    private final FileChannel channel;
    private final String file;
    private final long size;
    /** The file position of the buffer's first byte. */
    private long bufferStart;
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN).limit(0);

    GgufCursor(FileChannel channel, String file, long size) {
        this.channel = channel;
        this.file = file;
        this.size = size;
    }

    /** The file position of the next byte. */
    long position() {
        return bufferStart + buffer.position();
    }

    /** Bytes left in the file after the position. */
    long remaining() {
        return size - position();
    }

    long size() {
        return size;
    }

    String file() {
        return file;
    }

    /**
     * Fails unless {@code n} more bytes are in the file.
     *
     * @param what what is being read, for the message: {@code the key of metadata entry 3}
     */
    void require(long n, String what) {
        if (n < 0 || n > remaining()) {
            throw new WeightException(file + ": ends at byte " + size + ", inside " + what
                    + " (at byte " + position() + (n > 0 ? ", " + Long.toUnsignedString(n) + " bytes needed" : "")
                    + "; is the file truncated?)");
        }
    }

    /** Makes at least {@code n} (at most {@link #CHUNK}) bytes readable from the buffer, after {@link #require}. */
    private void fill(int n, String what) {
        require(n, what);
        if (buffer.remaining() >= n) {
            return;
        }
        long at = position();
        buffer.compact(); // the unread bytes, from file position at, move to index 0
        bufferStart = at;
        // Read what is there, up to the buffer's room or the end of the file.
        int want = (int) Math.min(buffer.remaining(), size - (bufferStart + buffer.position()));
        buffer.limit(buffer.position() + want);
        try {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, bufferStart + buffer.position());
                if (read < 0) {
                    throw new WeightException(file + " ended early at byte " + (bufferStart + buffer.position())
                            + " (was it changed while open?)");
                }
            }
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read: " + e, e);
        }
        buffer.flip();
    }

    int u8(String what) {
        fill(1, what);
        return buffer.get() & 0xFF;
    }

    int i8(String what) {
        fill(1, what);
        return buffer.get();
    }

    int u16(String what) {
        fill(2, what);
        return buffer.getShort() & 0xFFFF;
    }

    int i16(String what) {
        fill(2, what);
        return buffer.getShort();
    }

    /** An unsigned 32-bit number. */
    long u32(String what) {
        fill(4, what);
        return buffer.getInt() & 0xFFFF_FFFFL;
    }

    int i32(String what) {
        fill(4, what);
        return buffer.getInt();
    }

    /** A 64-bit number; negative means at least 2^63 where the field is unsigned. */
    long i64(String what) {
        fill(8, what);
        return buffer.getLong();
    }

    float f32(String what) {
        fill(4, what);
        return buffer.getFloat();
    }

    double f64(String what) {
        fill(8, what);
        return buffer.getDouble();
    }

    /**
     * The next {@code n} bytes as UTF-8, {@code n} already checked against a sane limit.
     *
     * @param strict whether a byte sequence that is not UTF-8 is an error (names, keys) or is
     *     decoded with U+FFFD in its place (values)
     */
    String utf8(int n, boolean strict, String what) {
        require(n, what);
        byte[] bytes = new byte[n];
        int done = 0;
        while (done < n) {
            int step = Math.min(CHUNK, n - done);
            fill(step, what);
            buffer.get(bytes, done, step);
            done += step;
        }
        if (!strict) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new WeightException(file + ": " + what + " is not valid UTF-8 (at byte " + (position() - n) + ")");
        }
    }
}
