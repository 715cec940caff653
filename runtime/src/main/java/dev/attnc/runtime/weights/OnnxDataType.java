package dev.attnc.runtime.weights;

/**
 * The element types of ONNX's {@code TensorProto.DataType}, by their code in the format, with
 * their width where they have one. Every code is accepted when a model is opened; only
 * {@link #FLOATS} can be read as float32.
 */
enum OnnxDataType {
    UNDEFINED(0, 0), FLOAT(1, 32), UINT8(2, 8), INT8(3, 8), UINT16(4, 16), INT16(5, 16), INT32(6, 32),
    INT64(7, 64), STRING(8, 0), BOOL(9, 8), FLOAT16(10, 16), DOUBLE(11, 64), UINT32(12, 32), UINT64(13, 64),
    COMPLEX64(14, 64), COMPLEX128(15, 128), BFLOAT16(16, 16), FLOAT8E4M3FN(17, 8), FLOAT8E4M3FNUZ(18, 8),
    FLOAT8E5M2(19, 8), FLOAT8E5M2FNUZ(20, 8), UINT4(21, 4), INT4(22, 4), FLOAT4E2M1(23, 4), FLOAT8E8M0(24, 8),
    UINT2(25, 2), INT2(26, 2);

    /** The data types {@link OnnxWeights#floats} reads, in the order messages list them. */
    static final String FLOATS = "FLOAT, FLOAT16, BFLOAT16, DOUBLE";

    /** The number the format stores. */
    final int code;
    /** Width of one element in bits; 0 for STRING (and UNDEFINED). */
    final int bits;

    OnnxDataType(int code, int bits) {
        this.code = code;
        this.bits = bits;
    }

    boolean isFloat() {
        return this == FLOAT || this == FLOAT16 || this == BFLOAT16 || this == DOUBLE;
    }

    /**
     * The bytes {@code elements} elements take in {@code raw_data} (sub-byte types packed, rounded
     * up), or -1 for STRING, which has no raw form, and when the count overflows a long.
     */
    long rawBytes(long elements) {
        if (bits == 0) {
            return -1;
        }
        try {
            return bits >= 8 ? Math.multiplyExact(elements, bits / 8)
                    : Math.addExact(Math.multiplyExact(elements, bits), 7) / 8;
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    /** The data type with code {@code code}, or null for a code the format does not define. */
    static OnnxDataType of(int code) {
        for (OnnxDataType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
