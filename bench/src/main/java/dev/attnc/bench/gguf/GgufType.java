package dev.attnc.bench.gguf;

import java.nio.ByteBuffer;

/**
 * The ggml tensor types the generator writes, with their ids in a GGUF tensor info and their
 * encodings (little-endian).
 */
public enum GgufType {
    /** IEEE float32. */
    F32(0, 1, 4),
    /** IEEE binary16. */
    F16(1, 1, 2),
    /**
     * Blocks of 32 values over the flattened tensor: an f16 scale {@code d}, then 32 int8
     * {@code q}, each value {@code d * q}. {@code d = max|x| / 127} and {@code q} is
     * {@code x / d} rounded half away from zero (ggml's reference quantization).
     */
    Q8_0(8, 32, 34);

    /** The id GGUF stores for the type. */
    final int id;
    /** Values per block. */
    final int blockValues;
    /** Bytes per block. */
    final int blockBytes;

    GgufType(int id, int blockValues, int blockBytes) {
        this.id = id;
        this.blockValues = blockValues;
        this.blockBytes = blockBytes;
    }

    /** The bytes of {@code values} values; the count must fill whole blocks. */
    int bytes(int values) {
        return Math.toIntExact(bytes((long) values));
    }

    long bytes(long values) {
        if (values % blockValues != 0) {
            throw new IllegalArgumentException(values + " values do not fill whole " + name() + " blocks of " + blockValues);
        }
        return values / blockValues * blockBytes;
    }

    /** Appends the encoding of {@code values[0, count)} to {@code out} (little-endian, with room for it). */
    void encode(float[] values, int count, ByteBuffer out) {
        bytes(count);
        switch (this) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    out.putFloat(values[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(Float.floatToFloat16(values[i]));
                }
            }
            case Q8_0 -> {
                for (int block = 0; block < count; block += blockValues) {
                    float largest = 0;
                    for (int i = block; i < block + blockValues; i++) {
                        largest = Math.max(largest, Math.abs(values[i]));
                    }
                    float scale = largest / 127;
                    float inverse = scale == 0 ? 0 : 1 / scale;
                    out.putShort(Float.floatToFloat16(scale));
                    for (int i = block; i < block + blockValues; i++) {
                        out.put((byte) roundHalfAway(values[i] * inverse));
                    }
                }
            }
        }
    }

    /** C's {@code roundf}: halves go away from zero (Math.round sends -2.5 to -2). */
    static int roundHalfAway(float x) {
        // In double: in float, 0.49999997f + 0.5f rounds up to 1.
        int magnitude = (int) Math.floor(Math.abs((double) x) + 0.5);
        return x < 0 ? -magnitude : magnitude;
    }
}
