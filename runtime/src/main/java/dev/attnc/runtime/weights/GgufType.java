package dev.attnc.runtime.weights;

/**
 * The tensor types a GGUF file may name (ggml's {@code ggml_type} ids), with the size of their
 * blocks: every type stores its values in blocks of {@link #blockValues} values taking
 * {@link #blockBytes} bytes (1 value for plain types). A file naming a type in this list opens;
 * only the types with a decoder ({@link #readable()}) can be read, the others are reported when
 * asked for. A type id not in this list is refused when the file is opened, since the size of
 * its data, and so the place of the tensors after it, cannot be checked.
 *
 * <p>Block layouts (all little-endian, {@code half} an IEEE binary16):
 * <ul>
 * <li>{@code Q8_0}: 32 values; {@code half d; int8 q[32]}; value {@code i} is {@code d * q[i]}.
 * <li>{@code Q4_0}: 32 values; {@code half d; uint8 q[16]}; value {@code i < 16} is
 *     {@code d * ((q[i] & 15) - 8)}, value {@code i + 16} is {@code d * ((q[i] >> 4) - 8)}.
 * <li>{@code Q4_K}: 256 values in 8 sub-blocks of 32; {@code half d, dmin; uint8 scales[12];
 *     uint8 q[128]}: 6-bit scale {@code sc[j]} and min {@code m[j]} per sub-block packed into
 *     {@code scales}; sub-blocks {@code 2p} and {@code 2p + 1} take the low and high nibbles of
 *     {@code q[32p .. 32p + 31]}; value = {@code d * sc[j] * nibble - dmin * m[j]}.
 * <li>{@code Q6_K}: 256 values in 16 sub-blocks of 16; {@code uint8 ql[128]; uint8 qh[64];
 *     int8 scales[16]; half d}: each value is a 6-bit number (4 bits from {@code ql}, 2 from
 *     {@code qh}) minus 32, times {@code d * scales[sub-block]}.
 * </ul>
 * {@link GgufDequantizer} has the exact bit positions.
 */
public enum GgufType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2);

    /** The types {@link GgufFile#floats} reads, as messages list them. */
    static final String READABLE = "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K";

    /** ggml's number for the type, as stored in the file. */
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

    /** The type numbered {@code id} in the file, or null if attnc does not know it. */
    static GgufType of(long id) {
        for (GgufType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** Whether {@link GgufFile#floats} can decode this type. */
    public boolean readable() {
        return switch (this) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Whether a quantized kernel reads this type without converting it to float first. */
    public boolean keptQuantized() {
        return this == Q8_0 || this == Q4_0;
    }

    /** Values per block (1 for F32, F16, BF16 and the integer types). */
    public int blockValues() {
        return blockValues;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }
}
