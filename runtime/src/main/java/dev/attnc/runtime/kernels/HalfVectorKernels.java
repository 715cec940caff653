package dev.attnc.runtime.kernels;

import dev.attnc.runtime.weights.HalfMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD body of {@link HalfLinear}. Loaded only when {@link Simd#enabled()}.
 *
 * <p>The Vector API of JDK 21 has no half-precision lanes, so L 16-bit values are loaded as
 * shorts, sign-extended to int lanes and turned into float bits with integer operations
 * ({@link #widen}). For binary16: the sign goes to bit 31 and exponent and significand to bits
 * 27..13, which reads as a float whose exponent is the half's exponent without the rebias;
 * multiplying it by 2^112 rebiases it, exactly, for normal numbers, subnormal numbers (read as
 * float subnormals, which the multiply normalises) and zeros alike. Infinities and NaNs
 * (exponent 31) would come out finite: for a matrix that holds any, the exponent is set to all
 * ones in those lanes with a blend (and a NaN made quiet, as {@link Float#float16ToFloat} does). bfloat16 is the upper half of a float: a shift.
 *
 * <p>A weight is stored in panels of 32 outputs ({@link HalfMatrix}); a float panel of
 * {@link PanelLinear#PANEL} outputs (two vectors) is a contiguous part of a half panel's row.
 */
final class HalfVectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Shorts with as many lanes as S (64, 128 or 256 bits). */
    private static final VectorSpecies<Short> H = L == 4 || L == 8 || L == 16
            ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;
    private static final int PANEL = PanelLinear.PANEL;
    private static final int HALF_PANEL = HalfMatrix.PANEL;

    /** How {@link #widen} turns bits into floats. */
    static final int F16 = 0;
    static final int F16_NON_FINITE = 1;
    static final int BF16 = 2;

    private HalfVectorKernels() {
    }

    /** Whether this machine's vectors fit the layout: float panels that divide a half panel. */
    static boolean supported() {
        return H != null && HALF_PANEL % PANEL == 0;
    }

    static int mode(HalfMatrix weight) {
        if (weight.format() == HalfMatrix.Format.BF16) {
            return BF16;
        }
        return weight.hasNonFinite() ? F16_NON_FINITE : F16;
    }

    /** L 16-bit values from {@code h[at]} as floats, exactly (see the class comment). */
    static FloatVector widen(short[] h, int at, int mode) {
        IntVector bits = (IntVector) ShortVector.fromArray(H, h, at).convertShape(VectorOperators.S2I, I, 0);
        if (mode == BF16) {
            return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        // Sign-extended: bits 31..15 are all the sign, so after the shift bits 31..28 are; keep bit 31.
        IntVector moved = bits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000);
        FloatVector value = moved.reinterpretAsFloats().mul(0x1p112f);
        if (mode == F16_NON_FINITE) {
            // Exponent all ones; a NaN also gets the quiet bit, as Float.float16ToFloat gives it.
            VectorMask<Integer> top = bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
            VectorMask<Integer> nan = top.and(bits.and(0x03FF).compare(VectorOperators.NE, 0));
            IntVector special = moved.or(0x70000000).blend(moved.or(0x70400000), nan);
            value = value.reinterpretAsInts().blend(special, top).reinterpretAsFloats();
        }
        return value;
    }

    /** Where the weights of input {@code i} for outputs {@code o ..} are. */
    private static int at(HalfMatrix weight, int o, int i) {
        return ((o / HALF_PANEL) * weight.columns() + i) * HALF_PANEL + o % HALF_PANEL;
    }

    /** Float panels {@code pFrom..pTo} of every row, each row read alone (few rows: a decoding step). */
    static void rows(int rows, float[] in, int inAt, int inStride, HalfMatrix weight, float[] bias,
            Activation activation, float[] out, int outAt, int outStride, int pFrom, int pTo) {
        int mode = mode(weight);
        short[] h = weight.values();
        int columns = weight.columns();
        int outWidth = weight.rows();
        for (int p = pFrom; p < pTo; p++) {
            int o = p * PANEL;
            int valid = Math.min(PANEL, outWidth - o);
            int base = at(weight, o, 0);
            for (int r = 0; r < rows; r++) {
                oneRow(columns, h, base, mode, in, inAt + r * inStride, out, outAt + r * outStride + o, valid);
            }
            PanelLinear.finish(0, rows, o, valid, bias, activation, out, outAt, outStride);
        }
    }

    /** One row by one float panel: each output summed over the inputs in order, as {@link PanelLinear#oneRow} sums it. */
    private static void oneRow(int columns, short[] h, int base, int mode, float[] in, int x, float[] out, int y,
            int valid) {
        FloatVector low = FloatVector.zero(S);
        FloatVector high = FloatVector.zero(S);
        for (int i = 0; i < columns; i++) {
            int at = base + i * HALF_PANEL;
            FloatVector b = FloatVector.broadcast(S, in[x + i]);
            low = widen(h, at, mode).fma(b, low);
            high = widen(h, at + L, mode).fma(b, high);
        }
        if (valid == PANEL) {
            low.intoArray(out, y);
            high.intoArray(out, y + L);
        } else {
            low.intoArray(out, y, S.indexInRange(0, valid));
            high.intoArray(out, y + L, S.indexInRange(L, valid));
        }
    }

    /** The weights as float32 panels for {@link TiledLinear}. */
    static TiledLinear.Source tiles(HalfMatrix weight) {
        int mode = mode(weight);
        short[] h = weight.values();
        return (tile, at, o, depthFrom, depth) -> {
            int from = HalfVectorKernels.at(weight, o, depthFrom);
            for (int i = 0; i < depth; i++) {
                int w = from + i * HALF_PANEL;
                widen(h, w, mode).intoArray(tile, at + i * PANEL);
                widen(h, w + L, mode).intoArray(tile, at + i * PANEL + L);
            }
        };
    }
}
