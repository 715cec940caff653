package dev.attnc.runtime.weights;

/**
 * The element types a safetensors header may name, with their width. Every one is accepted
 * when a file is opened (so a file holding, say, a BOOL mask next to the weights opens); only
 * some can be read ({@link #FLOATS}, {@link #INTS}).
 */
enum StoredDType {
    BOOL(8), F4(4), F6_E2M3(6), F6_E3M2(6), U8(8), I8(8), F8_E5M2(8), F8_E4M3(8), F8_E8M0(8),
    I16(16), U16(16), F16(16), BF16(16), I32(32), U32(32), F32(32), C64(64), F64(64), I64(64), U64(64);

    /** The dtypes {@code floats(...)} reads, in the order messages list them. */
    static final String FLOATS = "F32, F16, BF16";
    /** The dtypes {@code ints(...)} reads. */
    static final String INTS = "I32, I64";
    /** The dtypes attnc reads at all. */
    static final String READABLE = FLOATS + ", " + INTS;

    /** Width of one element in bits. */
    final int bits;

    StoredDType(int bits) {
        this.bits = bits;
    }

    boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    boolean isInt() {
        return this == I32 || this == I64;
    }

    /** Bytes per element; only for dtypes of whole bytes. */
    int bytes() {
        return bits / 8;
    }

    /** The dtype named exactly {@code name} (as the format spells it, upper case), or null. */
    static StoredDType parse(String name) {
        for (StoredDType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
