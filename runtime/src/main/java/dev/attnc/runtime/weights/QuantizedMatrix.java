package dev.attnc.runtime.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A weight matrix {@code [rows][columns]} (a linear layer's {@code [out][in]}) kept in ggml's
 * blocks of 32 values with one scale each, so that a kernel
 * ({@code dev.attnc.runtime.kernels.QuantizedLinear}) reads a quarter (Q8_0) or an eighth
 * (Q4_0) of the bytes of float32, plus the scales.
 *
 * <p>The blocks are copied out of the file into two compact arrays: the quantized values
 * ({@link #quants()}) and the scales as float32 ({@link #scales()}, one per block, block
 * {@code b} of row {@code r} at {@code r * columns / 32 + b}). Value {@code c} of row {@code r}
 * is {@code scale * q}, with:
 * <ul>
 * <li>{@link Format#Q8_0}: {@code q = quants[r * columns + c]}, a signed byte;
 * <li>{@link Format#Q4_0}: 16 bytes a block, in ggml's order: byte {@code j} of block {@code k}
 *     ({@code quants[16 * k + j]}, blocks counted over the whole matrix) holds value {@code j}
 *     of the block in its low nibble and value {@code j + 16} in its high nibble, each stored
 *     as {@code q + 8} (0 to 15).
 * </ul>
 * Rows must be whole blocks ({@code columns} a multiple of 32); a tensor whose blocks straddle
 * rows is read as float instead.
 *
 * <p>Immutable by contract: {@link #quants()} and {@link #scales()} return the arrays
 * themselves, for kernels, and must not be changed.
 */
public final class QuantizedMatrix {

    /** Values per block. */
    public static final int BLOCK = 32;

    /** The block formats kernels read. */
    public enum Format {
        /** 8-bit values, one half-precision scale per 32 (34 bytes a block in a file). */
        Q8_0(34, 32),
        /** 4-bit values offset by 8, one half-precision scale per 32 (18 bytes a block in a file). */
        Q4_0(18, 16);

        /** Bytes of one block as ggml stores it. */
        final int fileBytes;
        /** Bytes of one block's values in {@link #quants()}. */
        final int quantBytes;

        Format(int fileBytes, int quantBytes) {
            this.fileBytes = fileBytes;
            this.quantBytes = quantBytes;
        }
    }

    private final Format format;
    private final int rows;
    private final int columns;
    private final byte[] quants;
    private final float[] scales;

    private QuantizedMatrix(Format format, int rows, int columns, byte[] quants, float[] scales) {
        this.format = format;
        this.rows = rows;
        this.columns = columns;
        this.quants = quants;
        this.scales = scales;
    }

    /**
     * A matrix from its values and scales as laid out above (the arrays are kept, not copied).
     *
     * @throws IllegalArgumentException if the sizes do not fit together
     */
    public static QuantizedMatrix of(Format format, int rows, int columns, byte[] quants, float[] scales) {
        Objects.requireNonNull(format, "format");
        long blocks = blocks(rows, columns);
        if (quants.length != blocks * format.quantBytes || scales.length != blocks) {
            throw new IllegalArgumentException(format + " [" + rows + ", " + columns + "] needs " + blocks * format.quantBytes
                    + " quantized bytes and " + blocks + " scales, found " + quants.length + " and " + scales.length);
        }
        return new QuantizedMatrix(format, rows, columns, quants, scales);
    }

    private static long blocks(int rows, int columns) {
        if (rows < 0 || columns < 0 || columns % BLOCK != 0) {
            throw new IllegalArgumentException("a quantized matrix is [rows, columns] with columns a multiple of "
                    + BLOCK + ", found [" + rows + ", " + columns + "]");
        }
        long values = (long) rows * columns;
        if (values > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("[" + rows + ", " + columns + "] is more values than one array holds");
        }
        return values / BLOCK;
    }

    /**
     * A matrix from ggml blocks as a GGUF file stores them, read from {@code blocks} (from its
     * position, little-endian order applied here), one row after the other.
     *
     * @throws IllegalArgumentException if the sizes do not fit together or fewer bytes remain
     */
    public static QuantizedMatrix fromBlocks(Format format, int rows, int columns, ByteBuffer blocks) {
        long count = blocks(rows, columns);
        ByteBuffer in = blocks.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < count * format.fileBytes) {
            throw new IllegalArgumentException(format + " [" + rows + ", " + columns + "] takes " + count * format.fileBytes
                    + " bytes, found " + in.remaining());
        }
        byte[] quants = new byte[(int) (count * format.quantBytes)];
        float[] scales = new float[(int) count];
        for (int b = 0; b < count; b++) {
            int at = b * format.fileBytes;
            scales[b] = Float.float16ToFloat(in.getShort(at));
            in.get(at + 2, quants, b * format.quantBytes, format.quantBytes);
        }
        return new QuantizedMatrix(format, rows, columns, quants, scales);
    }

    /**
     * Quantizes a float matrix {@code [rows][columns]} the way ggml's reference quantizers do:
     * per block, Q8_0 takes the scale {@code max|x| / 127} and rounds {@code x / scale} to the
     * nearest integer; Q4_0 takes the value of largest magnitude {@code m}, the scale
     * {@code m / -8}, and {@code q = min(15, floor(x / scale + 8.5))}. The scale is rounded to
     * half precision, as in a file. For benchmarks and for quantizing float checkpoints.
     */
    public static QuantizedMatrix quantize(Format format, float[] weight, int rows, int columns) {
        long count = blocks(rows, columns);
        if (weight.length != (long) rows * columns) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, not " + rows + " x " + columns);
        }
        byte[] quants = new byte[(int) (count * format.quantBytes)];
        float[] scales = new float[(int) count];
        for (int b = 0; b < count; b++) {
            int at = b * BLOCK;
            if (format == Format.Q8_0) {
                float amax = 0;
                for (int i = 0; i < BLOCK; i++) {
                    amax = Math.max(amax, Math.abs(weight[at + i]));
                }
                float d = amax / 127;
                float inverse = d == 0 ? 0 : 1 / d;
                scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
                for (int i = 0; i < BLOCK; i++) {
                    quants[at + i] = (byte) Math.round(weight[at + i] * inverse);
                }
            } else {
                float extreme = 0;
                for (int i = 0; i < BLOCK; i++) {
                    if (Math.abs(weight[at + i]) > Math.abs(extreme)) {
                        extreme = weight[at + i];
                    }
                }
                float d = extreme / -8;
                float inverse = d == 0 ? 0 : 1 / d;
                scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
                for (int j = 0; j < BLOCK / 2; j++) {
                    int low = Math.min(15, (int) (weight[at + j] * inverse + 8.5f));
                    int high = Math.min(15, (int) (weight[at + j + BLOCK / 2] * inverse + 8.5f));
                    quants[16 * b + j] = (byte) (low | (high << 4));
                }
            }
        }
        return new QuantizedMatrix(format, rows, columns, quants, scales);
    }

    public Format format() {
        return format;
    }

    /** Rows: a linear layer's outputs. */
    public int rows() {
        return rows;
    }

    /** Columns: a linear layer's inputs, a multiple of {@link #BLOCK}. */
    public int columns() {
        return columns;
    }

    /** The quantized values as laid out above: the array itself, not to be changed. */
    public byte[] quants() {
        return quants;
    }

    /** The scale of each block, row after row: the array itself, not to be changed. */
    public float[] scales() {
        return scales;
    }

    /** The bytes a kernel reads for one pass over the matrix: the values and the float32 scales. */
    public long bytes() {
        return quants.length + 4L * scales.length;
    }

    /** Row {@code row} as float32 into {@code out} from {@code at} (an embedding lookup, say). */
    public void dequantizeRow(int row, float[] out, int at) {
        Objects.checkIndex(row, rows);
        int blocksPerRow = columns / BLOCK;
        for (int k = 0; k < blocksPerRow; k++) {
            int block = row * blocksPerRow + k;
            float d = scales[block];
            int base = at + k * BLOCK;
            if (format == Format.Q8_0) {
                for (int i = 0; i < BLOCK; i++) {
                    out[base + i] = d * quants[block * BLOCK + i];
                }
            } else {
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = quants[16 * block + j] & 0xFF;
                    out[base + j] = d * ((q & 0x0F) - 8);
                    out[base + j + BLOCK / 2] = d * ((q >>> 4) - 8);
                }
            }
        }
    }

    /** The whole matrix as float32, row-major. */
    public float[] dequantize() {
        float[] out = new float[rows * columns];
        for (int r = 0; r < rows; r++) {
            dequantizeRow(r, out, r * columns);
        }
        return out;
    }

    @Override
    public String toString() {
        return "QuantizedMatrix[" + format + ", " + rows + " x " + columns + "]";
    }
}
