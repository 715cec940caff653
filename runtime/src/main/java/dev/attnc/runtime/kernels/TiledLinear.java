package dev.attnc.runtime.kernels;

/**
 * The linear layer over many rows (a prompt) for a weight that is not stored as float32 panels:
 * a slice of the weight is converted into float32 panels once per call and kept in the cache
 * while every row passes over it, so that the multiply runs at the speed of the float32 kernel
 * ({@link PanelLinear}) and the conversion costs one pass over the weight per call, not one
 * per row.
 *
 * <p>Work is split into groups of {@link #GROUP} panels among {@link Threads}; in a group, the
 * inputs are taken {@link PanelLinear#DEPTH} at a time: the group's slice of weights is
 * converted into a tile ({@link Source#fill}), then the rows pass over it in blocks, as in
 * {@link PanelLinear#run}. Each output is summed over the inputs in order with one FMA per
 * input, as {@link PanelLinear} sums it: a kernel that reads the same weights one row at a
 * time in the same order gets the same bits.
 */
final class TiledLinear {
    /** Panels converted together: 4 panels x 256 inputs x 32 outputs are 128 KB of float32, inside a core's L2 cache. */
    static final int GROUP = 4;

    private static final ThreadLocal<float[]> TILES = new ThreadLocal<>();

    private TiledLinear() {
    }

    /** Where a weight's values come from. */
    interface Source {
        /**
         * Writes the float32 weights of outputs {@code o .. o + PANEL} (zeros past the last output)
         * for inputs {@code depthFrom .. depthFrom + depth} as one panel:
         * {@code tile[at + i * PANEL + j] = W[o + j][depthFrom + i]}.
         */
        void fill(float[] tile, int at, int o, int depthFrom, int depth);
    }

    /** {@code out[r][o] = act(bias[o] + sum_i in[r][i] * W[o][i])} for every row; {@code inWidth} must be at least 1. */
    static void run(int rows, int inWidth, int outWidth, float[] in, int inAt, int inStride, Source weight,
            float[] bias, Activation activation, float[] out, int outAt, int outStride) {
        int panels = PanelLinear.panels(outWidth);
        int groups = (panels + GROUP - 1) / GROUP;
        Threads.balanced(groups, (from, to, worker) -> {
            float[] tile = tile();
            for (int g = from; g < to; g++) {
                group(rows, inWidth, outWidth, in, inAt, inStride, weight, bias, activation, out, outAt, outStride,
                        tile, g * GROUP, Math.min(panels, (g + 1) * GROUP));
            }
        });
    }

    private static float[] tile() {
        float[] tile = TILES.get();
        if (tile == null) {
            tile = new float[GROUP * PanelLinear.DEPTH * PanelLinear.PANEL];
            TILES.set(tile);
        }
        return tile;
    }

    private static void group(int rows, int inWidth, int outWidth, float[] in, int inAt, int inStride, Source weight,
            float[] bias, Activation activation, float[] out, int outAt, int outStride, float[] tile, int pFrom, int pTo) {
        int panel = PanelLinear.PANEL;
        for (int depthFrom = 0; depthFrom < inWidth; depthFrom += PanelLinear.DEPTH) {
            int depth = Math.min(PanelLinear.DEPTH, inWidth - depthFrom);
            boolean first = depthFrom == 0;
            boolean last = depthFrom + depth == inWidth;
            for (int p = pFrom; p < pTo; p++) {
                weight.fill(tile, (p - pFrom) * depth * panel, p * panel, depthFrom, depth);
            }
            for (int rowFrom = 0; rowFrom < rows; rowFrom += PanelLinear.ROW_BLOCK) {
                int rowTo = Math.min(rows, rowFrom + PanelLinear.ROW_BLOCK);
                for (int p = pFrom; p < pTo; p++) {
                    int o = p * panel;
                    int valid = Math.min(panel, outWidth - o);
                    int w = (p - pFrom) * depth * panel;
                    int r = rowFrom;
                    if (valid == panel) {
                        for (; r + PanelLinear.TILE_ROWS <= rowTo; r += PanelLinear.TILE_ROWS) {
                            PanelLinear.sixRows(depth, in, inAt + r * inStride + depthFrom, inStride, tile, w,
                                    out, outAt + r * outStride + o, outStride, first);
                        }
                    }
                    for (; r < rowTo; r++) {
                        PanelLinear.oneRow(depth, in, inAt + r * inStride + depthFrom, tile, w,
                                out, outAt + r * outStride + o, valid, first);
                    }
                    if (last) {
                        PanelLinear.finish(rowFrom, rowTo, o, valid, bias, activation, out, outAt, outStride);
                    }
                }
            }
        }
    }
}
