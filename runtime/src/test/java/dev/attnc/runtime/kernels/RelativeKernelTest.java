package dev.attnc.runtime.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionKernels#addRelative}, SIMD and scalar, against the gather written here in
 * float64: the distances of a tile meet the clip below, above, inside and across it, with full
 * and part tiles. Both paths add one float to each score, so they agree to the last bit with
 * each other and within float rounding (1e-6 relative) of float64.
 */
class RelativeKernelTest {
    private final SplittableRandom random = new SplittableRandom(20261206);

    @Test
    void theGatherMatchesFloat64AndTheScalarPath() {
        int q = AttentionKernels.QUERIES;
        int checkedCases = 0;
        for (int clip : new int[] {0, 3, 40, 200}) {
            for (int queries : new int[] {1, q / 2 + 3, q}) {
                for (int[] at : new int[][] {{0, 0}, {500, 64}, {64, 500}, {100, 90}, {1000, 960}, {37, 0}}) {
                    int firstQuery = at[0];
                    int block = at[1];
                    int keys = 45;
                    // The rows a tile of `queries` queries against keys [block, block + keys) meets.
                    int firstRow = Math.clamp((long) firstQuery - (block + keys - 1), -clip, clip) + clip;
                    int rows = Math.clamp((long) firstQuery + queries - 1 - block, -clip, clip) + clip - firstRow + 1;
                    float[] products = new float[(2 * clip + 1) * q];
                    for (int i = 0; i < products.length; i++) {
                        products[i] = (float) (4 * random.nextDouble() - 2);
                    }
                    float[] simd = new float[keys * q];
                    for (int i = 0; i < simd.length; i++) {
                        simd[i] = (float) (20 * random.nextDouble() - 10);
                    }
                    float[] scalar = simd.clone();
                    float[] original = simd.clone();
                    AttentionKernels.addRelative(simd, block, keys, queries, firstQuery, products, firstRow, rows, clip);
                    AttentionKernels.addRelativeScalar(scalar, block, keys, queries, firstQuery, products, firstRow, rows, clip);
                    for (int x = 0; x < keys; x++) {
                        for (int r = 0; r < queries; r++) {
                            int row = Math.max(-clip, Math.min(clip, firstQuery + r - (block + x))) + clip;
                            double expected = (double) original[x * q + r] + products[(row - firstRow) * q + r];
                            String where = "clip " + clip + ", queries " + queries + ", first query " + firstQuery + ", block " + block
                                    + ", query " + r + ", key " + x;
                            assertEquals(expected, simd[x * q + r], 1e-6 * Math.abs(expected) + 1e-6, where + " (SIMD)");
                            assertEquals(scalar[x * q + r], simd[x * q + r], where + " (scalar against SIMD)");
                            checkedCases++;
                        }
                    }
                }
            }
        }
        assertTrue(checkedCases > 10_000, "cases checked: " + checkedCases);
    }
}
