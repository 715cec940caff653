package dev.attnc.compiler.cli;

import dev.attnc.runtime.AttentionMaps;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * One attention map as a PNG: query rows top to bottom, key columns left to right, each
 * weight a colour from dark (0) to yellow (the map's largest weight), with a colour bar. A key
 * the mask hides from a query is grey, off the scale, so that "masked" and "weight 0" differ;
 * a grey swatch under the bar says so.
 */
final class Heatmap {
    /** Anchors of a perceptually even scale, dark purple to yellow (as matplotlib's viridis). */
    private static final int[][] SCALE = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37},
    };
    private static final int TOP = 34;
    private static final int LEFT = 64;
    private static final int RIGHT = 76;
    private static final int BOTTOM = 30;
    /** Masked cells: a neutral grey, far from every colour of the scale. */
    static final Color MASKED = new Color(190, 190, 190);

    private Heatmap() {
    }

    static void write(AttentionMaps.Map map, Path file) throws IOException {
        int cell = Math.max(1, Math.min(16, 512 / Math.max(map.queries(), map.keys())));
        int width = map.keys() * cell;
        int height = map.queries() * cell;
        BufferedImage image = new BufferedImage(LEFT + width + RIGHT, TOP + height + BOTTOM, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        float largest = 0;
        for (float weight : map.weights()) {
            largest = Math.max(largest, weight);
        }
        for (int q = 0; q < map.queries(); q++) {
            for (int k = 0; k < map.keys(); k++) {
                g.setColor(map.masked(q, k) ? MASKED : colour(largest == 0 ? 0 : map.weight(q, k) / largest));
                g.fillRect(LEFT + k * cell, TOP + q * cell, cell, cell);
            }
        }
        int barX = LEFT + width + 16;
        for (int y = 0; y < height; y++) {
            g.setColor(colour(1 - (double) y / Math.max(1, height - 1)));
            g.fillRect(barX, TOP + y, 12, 1);
        }
        g.setColor(MASKED);
        g.fillRect(barX, TOP + height + 10, 12, 12);
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(Color.BLACK);
            g.drawString(map.attention() + "  layer " + map.layer() + "  head " + map.head(), LEFT, 14);
            g.drawString("keys j \u2192", LEFT, TOP - 6);
            g.drawString("queries", 2, TOP + 12);
            g.drawString("i \u2193", 2, TOP + 26);
            g.drawString("0", LEFT - 12, TOP + 10);
            g.drawString(Integer.toString(map.queries() - 1), LEFT - 4 - 7 * Integer.toString(map.queries() - 1).length(),
                    TOP + height - 2);
            g.drawString(String.format("%.3g", largest), barX + 15, TOP + 10);
            g.drawString("0", barX + 15, TOP + height);
            g.drawString("masked", barX + 15, TOP + height + 21);
        } catch (RuntimeException | Error noFonts) {
            // A machine without fonts still gets the picture, without its labels.
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static Color colour(double t) {
        double clamped = Math.max(0, Math.min(1, t)) * (SCALE.length - 1);
        int low = (int) Math.floor(clamped);
        int high = Math.min(SCALE.length - 1, low + 1);
        double f = clamped - low;
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) {
            rgb[c] = (int) Math.round(SCALE[low][c] + f * (SCALE[high][c] - SCALE[low][c]));
        }
        return new Color(rgb[0], rgb[1], rgb[2]);
    }
}
