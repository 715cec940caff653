package dev.attnc.runtime.kernels;

import static dev.attnc.runtime.kernels.FloatMath.*;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The activations of {@link FloatMath} over SIMD lanes: the same operations in the same order,
 * so that every lane gives the bits the scalar twin gives (tests check this).
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {
    }

    /** Whether {@link #unary} runs {@code activation} in lanes with the bits of {@link Activation#apply}. */
    static boolean unaryHasLanes(Activation activation) {
        // ABS clears the sign bit either way; SQRT: a float's square root rounded from the double
        // one equals the float square root (double keeps more than twice float's bits), and both
        // are correctly rounded. EXP, LOG, TANH and SIGMOID are computed in double and have no
        // lane twin with those bits, so they stay scalar.
        return switch (activation) {
            case NONE, RELU, GELU, GELU_TANH, SILU, NEG, ABS, SQRT -> true;
            default -> false;
        };
    }

    /**
     * {@code out[outAt + i] = activation(in[inAt + i])} for {@code i < n}, the same bits as
     * {@link Activation#apply}; only for activations {@link #unaryHasLanes} accepts. {@code in} and
     * {@code out} may be the same array at the same offset, never overlapping otherwise. One loop
     * per activation, so that no switch runs per vector; the loops of GELU, its tanh form and SiLU
     * are methods of their own that call no method taking or returning a vector (see
     * {@link #geluLanes}).
     */
    static void unary(Activation activation, int n, float[] in, int inAt, float[] out, int outAt) {
        int l = S.length();
        int bound = n - n % l;
        int i = 0;
        switch (activation) {
            case GELU -> i = geluLanes(bound, in, inAt, out, outAt);
            case GELU_TANH -> i = geluTanhLanes(bound, in, inAt, out, outAt);
            case SILU -> i = siluLanes(bound, in, inAt, out, outAt);
            case RELU -> {
                for (; i < bound; i += l) {
                    FloatVector x = FloatVector.fromArray(S, in, inAt + i);
                    x.blend(0f, x.compare(VectorOperators.GT, 0f).not()).intoArray(out, outAt + i);
                }
            }
            case NEG -> {
                for (; i < bound; i += l) {
                    FloatVector.fromArray(S, in, inAt + i).neg().intoArray(out, outAt + i);
                }
            }
            case ABS -> {
                for (; i < bound; i += l) {
                    FloatVector.fromArray(S, in, inAt + i).abs().intoArray(out, outAt + i);
                }
            }
            case SQRT -> {
                for (; i < bound; i += l) {
                    FloatVector.fromArray(S, in, inAt + i).sqrt().intoArray(out, outAt + i);
                }
            }
            case NONE -> {
                if (in != out || inAt != outAt) {
                    System.arraycopy(in, inAt, out, outAt, bound);
                }
                i = bound;
            }
            default -> throw new IllegalArgumentException(activation + " has no lanes");
        }
        for (; i < n; i++) {
            out[outAt + i] = activation.apply(in[inAt + i]);
        }
    }

    /*
     * The loops below are FloatMath's phi, exp, geluTanh and silu over lanes, written out, instead of calling
     * them. A vector passed to or returned from a method C2 does not inline is boxed and its
     * operations run in plain Java: phi (398 bytes of bytecode) and exp (230) are past C2's
     * inlining limits, and with them as calls linear(384, 1536) + GELU at 8 rows took 20 ms instead
     * of under 1 (ShortCallBench.linearUpGelu, -XX:+PrintInlining: "VectorMath::phi (398 bytes)
     * failed to inline: callee is too large"). These methods take and return arrays only, so
     * whether or not they are inlined, their vectors stay in registers. Same operations in the same
     * order as their scalar twins in FloatMath: the same bits (UnaryKernelTest).
     */

    /** GELU of the first {@code bound} values (a multiple of the vector length); returns {@code bound}. */
    static int geluLanes(int bound, float[] in, int inAt, float[] out, int outAt) {
        int l = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector s7 = FloatVector.broadcast(S, S7), s6 = FloatVector.broadcast(S, S6), s5 = FloatVector.broadcast(S, S5);
        FloatVector s4 = FloatVector.broadcast(S, S4), s3 = FloatVector.broadcast(S, S3), s2 = FloatVector.broadcast(S, S2);
        FloatVector s1 = FloatVector.broadcast(S, S1), s0 = FloatVector.broadcast(S, S0);
        FloatVector p7 = FloatVector.broadcast(S, P7), p6 = FloatVector.broadcast(S, P6), p5 = FloatVector.broadcast(S, P5);
        FloatVector p4 = FloatVector.broadcast(S, P4), p3 = FloatVector.broadcast(S, P3), p2 = FloatVector.broadcast(S, P2);
        FloatVector p1 = FloatVector.broadcast(S, P1), p0 = FloatVector.broadcast(S, P0);
        FloatVector ln2High = FloatVector.broadcast(S, LN2_HIGH), ln2Low = FloatVector.broadcast(S, LN2_LOW);
        FloatVector e5 = FloatVector.broadcast(S, E5), e4 = FloatVector.broadcast(S, E4), e3 = FloatVector.broadcast(S, E3);
        FloatVector e2 = FloatVector.broadcast(S, E2);
        for (int i = 0; i < bound; i += l) {
            FloatVector x = FloatVector.fromArray(S, in, inAt + i);
            // phi(x)
            FloatVector z = x.abs().mul(INV_SQRT_2);
            FloatVector z2 = z.mul(z);
            FloatVector s = z2.fma(S9, S8);
            s = s.fma(z2, s7);
            s = s.fma(z2, s6);
            s = s.fma(z2, s5);
            s = s.fma(z2, s4);
            s = s.fma(z2, s3);
            s = s.fma(z2, s2);
            s = s.fma(z2, s1);
            s = s.fma(z2, s0);
            FloatVector erf = s.mul(z);
            FloatVector t = z.fma(0.5f, 1f);
            t = one.div(t);
            FloatVector p = t.fma(P9, P8);
            p = p.fma(t, p7);
            p = p.fma(t, p6);
            p = p.fma(t, p5);
            p = p.fma(t, p4);
            p = p.fma(t, p3);
            p = p.fma(t, p2);
            p = p.fma(t, p1);
            p = p.fma(t, p0);
            FloatVector square = x.mul(x);
            FloatVector half = square.mul(0.5f);
            FloatVector rest = x.fma(x, square.neg()).mul(0.5f);
            // exp(high, low) with high = -half, low = p - rest
            FloatVector high = half.neg();
            FloatVector low = p.sub(rest);
            FloatVector sum = high.add(low);
            FloatVector shifted = sum.max(EXP_MIN).min(EXP_MAX).fma(LOG2_E, ROUNDER);
            FloatVector n = shifted.sub(ROUNDER).neg();
            FloatVector r = n.fma(ln2High, high);
            r = n.fma(ln2Low, r).add(low);
            FloatVector q = r.fma(E7, E6);
            q = q.fma(r, e5);
            q = q.fma(r, e4);
            q = q.fma(r, e3);
            q = q.fma(r, e2);
            q = q.fma(r, one);
            q = q.fma(r, one);
            FloatVector scale = shifted.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = q.mul(scale)
                    .blend(0f, sum.compare(VectorOperators.LT, EXP_MIN))
                    .blend(Float.POSITIVE_INFINITY, sum.compare(VectorOperators.GT, EXP_MAX));
            // back in phi
            FloatVector erfc = t.mul(e).blend(0f, z.compare(VectorOperators.GT, ERFC_ZERO));
            VectorMask<Float> series = z.compare(VectorOperators.LT, SERIES_LIMIT);
            FloatVector upper = erfc.mul(0.5f).blend(erf.fma(-0.5f, 0.5f), series);
            FloatVector phi = upper.neg().add(1f).blend(upper, x.compare(VectorOperators.LT, 0f));
            x.mul(phi).intoArray(out, outAt + i);
        }
        return bound;
    }

    /** GELU's tanh form of the first {@code bound} values (a multiple of the vector length); returns {@code bound}. */
    static int geluTanhLanes(int bound, float[] in, int inAt, float[] out, int outAt) {
        int l = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        FloatVector ln2High = FloatVector.broadcast(S, LN2_HIGH), ln2Low = FloatVector.broadcast(S, LN2_LOW);
        FloatVector e5 = FloatVector.broadcast(S, E5), e4 = FloatVector.broadcast(S, E4), e3 = FloatVector.broadcast(S, E3);
        FloatVector e2 = FloatVector.broadcast(S, E2);
        for (int i = 0; i < bound; i += l) {
            FloatVector x = FloatVector.fromArray(S, in, inAt + i);
            FloatVector u = x.mul(TANH_CUBIC).fma(x.mul(x), x).mul(SQRT_2_OVER_PI);
            FloatVector high = u.mul(-2f);
            // exp(high, zero), as FloatMath.exp(high, low)
            FloatVector sum = high.add(zero);
            FloatVector shifted = sum.max(EXP_MIN).min(EXP_MAX).fma(LOG2_E, ROUNDER);
            FloatVector n = shifted.sub(ROUNDER).neg();
            FloatVector r = n.fma(ln2High, high);
            r = n.fma(ln2Low, r).add(zero);
            FloatVector q = r.fma(E7, E6);
            q = q.fma(r, e5);
            q = q.fma(r, e4);
            q = q.fma(r, e3);
            q = q.fma(r, e2);
            q = q.fma(r, one);
            q = q.fma(r, one);
            FloatVector scale = shifted.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = q.mul(scale)
                    .blend(0f, sum.compare(VectorOperators.LT, EXP_MIN))
                    .blend(Float.POSITIVE_INFINITY, sum.compare(VectorOperators.GT, EXP_MAX));
            x.div(e.add(1f)).intoArray(out, outAt + i);
        }
        return bound;
    }

    /** Multiplying by one is exact: SiLU is SwiGLU with every {@code b} one. */
    private static final float[] ONE = {1f};

    /** SiLU of the first {@code bound} values (a multiple of the vector length); returns {@code bound}. */
    static int siluLanes(int bound, float[] in, int inAt, float[] out, int outAt) {
        return swigluLanes(bound, in, inAt, ONE, 0, true, out, outAt);
    }

    /**
     * {@code silu(a) * b} of the first {@code bound} values (a multiple of the vector length),
     * {@code b} one value for all when {@code bBroadcast}: the bits of {@link FloatMath#silu}
     * times {@code b}. {@code out} may be {@code a} or {@code b} at the same offset: each vector
     * is read before it is written. Returns {@code bound}.
     */
    static int swigluLanes(int bound, float[] a, int aAt, float[] b, int bAt, boolean bBroadcast, float[] out,
            int outAt) {
        int l = S.length();
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        FloatVector ln2High = FloatVector.broadcast(S, LN2_HIGH), ln2Low = FloatVector.broadcast(S, LN2_LOW);
        FloatVector e5 = FloatVector.broadcast(S, E5), e4 = FloatVector.broadcast(S, E4), e3 = FloatVector.broadcast(S, E3);
        FloatVector e2 = FloatVector.broadcast(S, E2);
        FloatVector value = FloatVector.broadcast(S, b[bAt]);
        for (int i = 0; i < bound; i += l) {
            FloatVector x = FloatVector.fromArray(S, a, aAt + i);
            FloatVector y = bBroadcast ? value : FloatVector.fromArray(S, b, bAt + i);
            FloatVector high = x.neg();
            // exp(high, zero), as FloatMath.exp(high, low)
            FloatVector sum = high.add(zero);
            FloatVector shifted = sum.max(EXP_MIN).min(EXP_MAX).fma(LOG2_E, ROUNDER);
            FloatVector n = shifted.sub(ROUNDER).neg();
            FloatVector r = n.fma(ln2High, high);
            r = n.fma(ln2Low, r).add(zero);
            FloatVector q = r.fma(E7, E6);
            q = q.fma(r, e5);
            q = q.fma(r, e4);
            q = q.fma(r, e3);
            q = q.fma(r, e2);
            q = q.fma(r, one);
            q = q.fma(r, one);
            FloatVector scale = shifted.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = q.mul(scale)
                    .blend(0f, sum.compare(VectorOperators.LT, EXP_MIN))
                    .blend(Float.POSITIVE_INFINITY, sum.compare(VectorOperators.GT, EXP_MAX));
            x.div(e.add(1f)).mul(y).intoArray(out, outAt + i);
        }
        return bound;
    }
}
