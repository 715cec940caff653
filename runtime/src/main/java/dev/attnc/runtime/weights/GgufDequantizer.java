package dev.attnc.runtime.weights;

import java.nio.ByteBuffer;

/**
 * Decodes GGUF tensor data to float32, block by block. Blocks follow each other over the
 * flattened tensor, whatever its row length: a Q8_0 tensor with rows of 172 values has blocks
 * that straddle rows, and decoding the blocks in order puts every value in its place.
 */
final class GgufDequantizer {

    private GgufDequantizer() {}

    /**
     * Decodes {@code blocks} blocks of {@code type} from {@code in} (little-endian, from its
     * position, which is advanced) into {@code out} from {@code at}.
     */
    static void decode(GgufType type, ByteBuffer in, int blocks, float[] out, int at) {
        switch (type) {
            case F32 -> in.asFloatBuffer().get(out, at, blocks);
            case F16 -> {
                for (int i = 0; i < blocks; i++) {
                    out[at + i] = Float.float16ToFloat(in.getShort(in.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < blocks; i++) {
                    // A bfloat16 is the top half of a float32.
                    out[at + i] = Float.intBitsToFloat((in.getShort(in.position() + 2 * i) & 0xFFFF) << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q8_0(in, in.position() + b * 34, out, at + b * 32);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_0(in, in.position() + b * 18, out, at + b * 32);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    q4_k(in, in.position() + b * 144, out, at + b * 256);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    q6_k(in, in.position() + b * 210, out, at + b * 256);
                }
            }
            default -> throw new AssertionError(type + " has no decoder");
        }
        in.position(in.position() + blocks * type.blockBytes);
    }

    private static float half(ByteBuffer in, int at) {
        return Float.float16ToFloat(in.getShort(at));
    }

    /** {@code half d; int8 q[32]}. */
    private static void q8_0(ByteBuffer in, int block, float[] out, int at) {
        float d = half(in, block);
        for (int i = 0; i < 32; i++) {
            out[at + i] = d * in.get(block + 2 + i);
        }
    }

    /** {@code half d; uint8 q[16]}: byte i holds value i (low nibble) and value i + 16 (high), offset by 8. */
    private static void q4_0(ByteBuffer in, int block, float[] out, int at) {
        float d = half(in, block);
        for (int i = 0; i < 16; i++) {
            int q = in.get(block + 2 + i) & 0xFF;
            out[at + i] = d * ((q & 0x0F) - 8);
            out[at + i + 16] = d * ((q >>> 4) - 8);
        }
    }

    /**
     * {@code half d; half dmin; uint8 scales[12]; uint8 q[128]}. Sub-block j (of 32 values) has a
     * 6-bit scale and a 6-bit min: for j < 4 the low 6 bits of {@code scales[j]} and
     * {@code scales[j + 4]}; for j >= 4 the low (scale) or high (min) nibble of
     * {@code scales[j + 4]}, with the two top bits of {@code scales[j - 4]} (scale) or
     * {@code scales[j]} (min) above it. Sub-blocks 2p and 2p + 1 are the low and high nibbles of
     * {@code q[32p .. 32p + 31]}.
     */
    private static void q4_k(ByteBuffer in, int block, float[] out, int at) {
        float d = half(in, block);
        float dmin = half(in, block + 2);
        int scales = block + 4;
        int quants = block + 16;
        for (int pair = 0; pair < 4; pair++) {
            int low = 2 * pair;
            int high = low + 1;
            float scaleLow = d * subScale(in, scales, low);
            float minLow = dmin * subMin(in, scales, low);
            float scaleHigh = d * subScale(in, scales, high);
            float minHigh = dmin * subMin(in, scales, high);
            for (int i = 0; i < 32; i++) {
                int q = in.get(quants + 32 * pair + i) & 0xFF;
                out[at + 64 * pair + i] = scaleLow * (q & 0x0F) - minLow;
                out[at + 64 * pair + 32 + i] = scaleHigh * (q >>> 4) - minHigh;
            }
        }
    }

    private static int subScale(ByteBuffer in, int scales, int j) {
        if (j < 4) {
            return in.get(scales + j) & 0x3F;
        }
        return (in.get(scales + j + 4) & 0x0F) | (((in.get(scales + j - 4) & 0xFF) >>> 6) << 4);
    }

    private static int subMin(ByteBuffer in, int scales, int j) {
        if (j < 4) {
            return in.get(scales + j + 4) & 0x3F;
        }
        return ((in.get(scales + j + 4) & 0xFF) >>> 4) | (((in.get(scales + j) & 0xFF) >>> 6) << 4);
    }

    /**
     * {@code uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d}, in two halves of 128 values.
     * In half h, for l < 32, byte {@code ql[64h + l]} gives the low 4 bits of values l (low
     * nibble) and l + 64 (high), {@code ql[64h + 32 + l]} those of l + 32 and l + 96, and
     * {@code qh[32h + l]} the top 2 bits of l, l + 32, l + 64, l + 96 (bits 0-1, 2-3, 4-5, 6-7).
     * Value v of the half uses scale {@code scales[8h + v / 16]}.
     */
    private static void q6_k(ByteBuffer in, int block, float[] out, int at) {
        float d = half(in, block + 208);
        for (int h = 0; h < 2; h++) {
            int ql = block + 64 * h;
            int qh = block + 128 + 32 * h;
            int scales = block + 192 + 8 * h;
            int base = at + 128 * h;
            for (int l = 0; l < 32; l++) {
                int low0 = in.get(ql + l) & 0xFF;
                int low1 = in.get(ql + 32 + l) & 0xFF;
                int top = in.get(qh + l) & 0xFF;
                int q0 = ((low0 & 0x0F) | ((top & 3) << 4)) - 32;
                int q1 = ((low1 & 0x0F) | (((top >>> 2) & 3) << 4)) - 32;
                int q2 = ((low0 >>> 4) | (((top >>> 4) & 3) << 4)) - 32;
                int q3 = ((low1 >>> 4) | (((top >>> 6) & 3) << 4)) - 32;
                out[base + l] = d * in.get(scales + l / 16) * q0;
                out[base + 32 + l] = d * in.get(scales + 2 + l / 16) * q1;
                out[base + 64 + l] = d * in.get(scales + 4 + l / 16) * q2;
                out[base + 96 + l] = d * in.get(scales + 6 + l / 16) * q3;
            }
        }
    }
}
