package dev.attnc.runtime.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Objects;

/**
 * A weight matrix {@code [rows][columns]} (a linear layer's {@code [out][in]}) kept in 16 bits
 * a value, IEEE binary16 ({@link Format#F16}) or bfloat16 ({@link Format#BF16}), so that a
 * kernel ({@code dev.attnc.runtime.kernels.HalfLinear}) reads half the bytes of float32.
 *
 * <p>The values are stored in panels of {@link #PANEL} rows, the layout the float32 linear
 * kernel packs its weights into: value {@code c} of row {@code r} is
 * {@code values[((r / PANEL) * columns + c) * PANEL + r % PANEL]}, and the rows past the last
 * of the final panel hold zeros. A kernel then reads, for each input, the weights of 32
 * outputs side by side and accumulates each output over the inputs in order, whether it
 * multiplies one row (a decoding step) or converts a slice to float32 and multiplies many (a
 * prompt): a row gets the same bits either way.
 *
 * <p>Immutable by contract: {@link #values()} returns the array itself, for kernels, and must
 * not be changed.
 */
public final class HalfMatrix {

    /** Rows per panel. */
    public static final int PANEL = 32;

    /** The 16-bit formats. */
    public enum Format {
        /** IEEE binary16: 1 sign, 5 exponent, 10 significand bits. */
        F16,
        /** bfloat16: the upper half of a float32. */
        BF16;

        /** The float value of the 16 bits {@code bits}, exactly. */
        public float toFloat(short bits) {
            return this == F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
        }

        /** {@code value} rounded to the nearest of this format (ties to even). */
        public short fromFloat(float value) {
            if (this == F16) {
                return Float.floatToFloat16(value);
            }
            int bits = Float.floatToRawIntBits(value);
            if (Float.isNaN(value)) {
                return (short) ((bits >>> 16) | 0x40); // stays a NaN whatever its payload
            }
            return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
        }
    }

    private final Format format;
    private final int rows;
    private final int columns;
    private final short[] values;
    private final boolean nonFinite;

    private HalfMatrix(Format format, int rows, int columns, short[] values) {
        this.format = format;
        this.rows = rows;
        this.columns = columns;
        this.values = values;
        this.nonFinite = format == Format.F16 && anyMaximalExponent(values);
    }

    /** Whether some F16 value is an infinity or a NaN (exponent bits all ones). */
    private static boolean anyMaximalExponent(short[] values) {
        for (short v : values) {
            if ((v & 0x7C00) == 0x7C00) {
                return true;
            }
        }
        return false;
    }

    /** The length of the panel array of a {@code [rows, columns]} matrix. */
    private static int length(int rows, int columns) {
        if (rows < 0 || columns < 0) {
            throw new IllegalArgumentException("a matrix is [rows, columns] of sizes 0 or more, found ["
                    + rows + ", " + columns + "]");
        }
        long length = (long) panels(rows) * columns * PANEL;
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("[" + rows + ", " + columns + "] is more values than one array holds");
        }
        return (int) length;
    }

    /** Panels of {@link #PANEL} rows for {@code rows} rows. */
    public static int panels(int rows) {
        return (rows + PANEL - 1) / PANEL;
    }

    /** Where value {@code c} of row {@code r} is in {@link #values()}. */
    public int index(int r, int c) {
        return ((r / PANEL) * columns + c) * PANEL + r % PANEL;
    }

    /**
     * A matrix read from row-major 16-bit values as a GGUF or safetensors file stores them,
     * little-endian, from {@code data}'s position.
     *
     * @throws IllegalArgumentException if the sizes do not fit together or fewer bytes remain
     */
    public static HalfMatrix fromBytes(Format format, int rows, int columns, ByteBuffer data) {
        Objects.requireNonNull(format, "format");
        short[] values = new short[length(rows, columns)];
        ShortBuffer in = data.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        if (in.remaining() < (long) rows * columns) {
            throw new IllegalArgumentException(format + " [" + rows + ", " + columns + "] takes " + 2L * rows * columns
                    + " bytes, found " + 2L * in.remaining());
        }
        short[] row = new short[columns];
        for (int r = 0; r < rows; r++) {
            in.get(r * columns, row);
            int at = (r / PANEL) * columns * PANEL + r % PANEL;
            for (int c = 0; c < columns; c++) {
                values[at + c * PANEL] = row[c];
            }
        }
        return new HalfMatrix(format, rows, columns, values);
    }

    /** A matrix from row-major 16-bit values {@code [rows][columns]}. */
    public static HalfMatrix of(Format format, int rows, int columns, short[] rowMajor) {
        if (rowMajor.length != (long) rows * columns) {
            throw new IllegalArgumentException(format + " [" + rows + ", " + columns + "] needs " + (long) rows * columns
                    + " values, found " + rowMajor.length);
        }
        ByteBuffer bytes = ByteBuffer.allocate(2 * rowMajor.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(rowMajor);
        return fromBytes(format, rows, columns, bytes);
    }

    /** A float matrix {@code [rows][columns]} rounded to {@code format} (for benchmarks and tests). */
    public static HalfMatrix round(Format format, float[] weight, int rows, int columns) {
        if (weight.length != (long) rows * columns) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, not " + rows + " x " + columns);
        }
        short[] rowMajor = new short[weight.length];
        for (int i = 0; i < weight.length; i++) {
            rowMajor[i] = format.fromFloat(weight[i]);
        }
        return of(format, rows, columns, rowMajor);
    }

    public Format format() {
        return format;
    }

    /** Rows: a linear layer's outputs. */
    public int rows() {
        return rows;
    }

    /** Columns: a linear layer's inputs. */
    public int columns() {
        return columns;
    }

    /** The values in panels as laid out above: the array itself, not to be changed. */
    public short[] values() {
        return values;
    }

    /**
     * Whether an F16 value is an infinity or a NaN: kernels then take the conversion that
     * handles them, a little slower. Never for BF16, whose conversion is exact for every value.
     */
    public boolean hasNonFinite() {
        return nonFinite;
    }

    /** The bytes a kernel reads for one pass over the matrix (with the padding of the last panel). */
    public long bytes() {
        return 2L * values.length;
    }

    /** Row {@code row} as float32 into {@code out} from {@code at}. */
    public void dequantizeRow(int row, float[] out, int at) {
        Objects.checkIndex(row, rows);
        for (int c = 0; c < columns; c++) {
            out[at + c] = format.toFloat(values[index(row, c)]);
        }
    }

    /** The whole matrix as float32, row-major. */
    public float[] dequantize() {
        float[] out = new float[Math.multiplyExact(rows, columns)];
        for (int r = 0; r < rows; r++) {
            dequantizeRow(r, out, r * columns);
        }
        return out;
    }

    @Override
    public String toString() {
        return "HalfMatrix[" + format + ", " + rows + " x " + columns + "]";
    }
}
