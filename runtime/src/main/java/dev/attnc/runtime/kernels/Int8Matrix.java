package dev.attnc.runtime.kernels;

import java.util.Objects;

/**
 * A linear layer's weight {@code [rows][columns]} ({@code [out][in]}) kept as 8-bit integers,
 * as ONNX Runtime's dynamic quantization stores it: value {@code c} of row {@code r} is
 * {@code scale[r] * (q[r * columns + c] - zeroPoint[r])}, one scale and zero point per output
 * (per column of ONNX's {@code [in, out]} weight; a per-tensor scale is the same for every row).
 * A quarter of the bytes of float32, plus 8 bytes a row.
 *
 * <p>Stored signed: an unsigned (uint8) checkpoint is shifted by 128, values and zero points
 * alike ({@link #fromUnsigned}), which keeps every difference {@code q - zeroPoint}.
 *
 * <p>Its multiply ({@link #linear}, by {@link Int8Linear}) quantizes the input as ONNX's
 * {@code DynamicQuantizeLinear} does and sums integer products exactly, so that a model runs as
 * ONNX Runtime runs its {@code MatMulInteger} graph. Immutable by contract: the arrays are kept,
 * not copied, and must not be changed.
 */
public final class Int8Matrix implements Kernels.Matrix {

    /**
     * The most columns: a row's integer sum {@code sum (a - za) * (q - zq)} stays within an int
     * (each product is at most 255 * 255).
     */
    public static final int MAX_COLUMNS = 32768;

    private final int rows;
    private final int columns;
    private final byte[] values;
    private final float[] scales;
    private final int[] zeroPoints;

    private Int8Matrix(int rows, int columns, byte[] values, float[] scales, int[] zeroPoints) {
        this.rows = rows;
        this.columns = columns;
        this.values = values;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
    }

    /**
     * A matrix from signed values {@code [rows][columns]} row-major, a scale per row and a zero
     * point per row (each from -128 to 127). The arrays are kept, not copied.
     *
     * @throws IllegalArgumentException if the sizes do not fit together, a zero point is out of
     *     range or a scale is not finite
     */
    public static Int8Matrix of(int rows, int columns, byte[] values, float[] scales, int[] zeroPoints) {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(scales, "scales");
        Objects.requireNonNull(zeroPoints, "zeroPoints");
        if (rows < 0 || columns < 0 || columns > MAX_COLUMNS) {
            throw new IllegalArgumentException("an int8 matrix is [rows, columns] with at most " + MAX_COLUMNS
                    + " columns, found [" + rows + ", " + columns + "]");
        }
        if ((long) rows * columns != values.length || scales.length != rows || zeroPoints.length != rows) {
            throw new IllegalArgumentException("int8 [" + rows + ", " + columns + "] needs " + (long) rows * columns
                    + " values, " + rows + " scales and " + rows + " zero points, found " + values.length + ", "
                    + scales.length + " and " + zeroPoints.length);
        }
        for (int r = 0; r < rows; r++) {
            if (zeroPoints[r] < Byte.MIN_VALUE || zeroPoints[r] > Byte.MAX_VALUE) {
                throw new IllegalArgumentException("zero point " + zeroPoints[r] + " of row " + r
                        + " is not a signed byte");
            }
            if (!Float.isFinite(scales[r])) {
                throw new IllegalArgumentException("scale " + scales[r] + " of row " + r + " is not finite");
            }
        }
        return new Int8Matrix(rows, columns, values, scales, zeroPoints);
    }

    /**
     * A matrix from unsigned (uint8) values and zero points (0 to 255), shifted to signed in
     * place: {@code values} is changed and kept.
     */
    public static Int8Matrix fromUnsigned(int rows, int columns, byte[] values, float[] scales, int[] zeroPoints) {
        int[] signed = new int[zeroPoints.length];
        for (int r = 0; r < zeroPoints.length; r++) {
            if (zeroPoints[r] < 0 || zeroPoints[r] > 255) {
                throw new IllegalArgumentException("zero point " + zeroPoints[r] + " of row " + r
                        + " is not an unsigned byte");
            }
            signed[r] = zeroPoints[r] - 128;
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = (byte) ((values[i] & 0xFF) - 128);
        }
        return of(rows, columns, values, scales, signed);
    }

    /**
     * Quantizes a float matrix symmetrically per row: the scale is {@code max|w| / 127}, the
     * zero point 0, each value rounded to the nearest integer. For tests and benchmarks.
     */
    public static Int8Matrix quantize(float[] weight, int rows, int columns) {
        if (weight.length != (long) rows * columns) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, not " + rows + " x " + columns);
        }
        byte[] q = new byte[weight.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float amax = 0;
            for (int c = 0; c < columns; c++) {
                amax = Math.max(amax, Math.abs(weight[r * columns + c]));
            }
            scales[r] = amax == 0 ? 1 : amax / 127;
            for (int c = 0; c < columns; c++) {
                q[r * columns + c] = (byte) Math.round(weight[r * columns + c] / scales[r]);
            }
        }
        return of(rows, columns, q, scales, new int[rows]);
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    /** The signed values, row after row: the array itself, not to be changed. */
    public byte[] values() {
        return values;
    }

    /** The scale of each row: the array itself, not to be changed. */
    public float[] scales() {
        return scales;
    }

    /** The zero point of each row (signed): the array itself, not to be changed. */
    public int[] zeroPoints() {
        return zeroPoints;
    }

    /** The bytes a kernel reads for one pass over the matrix: values, scales and zero points. */
    public long bytes() {
        return values.length + 8L * rows;
    }

    /** The whole matrix as float32, row-major: {@code scale * (q - zeroPoint)}. */
    public float[] dequantize() {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[r * columns + c] = (float) (values[r * columns + c] - zeroPoints[r]) * scales[r];
            }
        }
        return out;
    }

    @Override
    public int outWidth() {
        return rows;
    }

    @Override
    public int inWidth() {
        return columns;
    }

    @Override
    public void linear(int rows, float[] in, int inAt, int inStride, float[] bias, Activation activation,
            float[] out, int outAt, int outStride) {
        Int8Linear.linear(rows, columns, this.rows, in, inAt, inStride, this, bias, activation, out, outAt, outStride);
    }

    @Override
    public String toString() {
        return "Int8Matrix[" + rows + " x " + columns + "]";
    }
}
