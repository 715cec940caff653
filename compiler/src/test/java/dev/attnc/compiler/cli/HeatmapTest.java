package dev.attnc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.runtime.AttentionMaps;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heatmaps paint masked cells grey, apart from weight 0, and the legend shows the grey. */
class HeatmapTest {
    @TempDir
    Path dir;

    /** Geometry of {@link Heatmap}: the map starts at (64, 34); 16-pixel cells for maps of up to 32 positions. */
    private static final int LEFT = 64;
    private static final int TOP = 34;
    private static final int CELL = 16;

    private static int cell(BufferedImage image, int query, int key) {
        return image.getRGB(LEFT + key * CELL + CELL / 2, TOP + query * CELL + CELL / 2) & 0xffffff;
    }

    @Test
    void aMaskedCellIsGreyAndAZeroWeightIsTheBottomOfTheScale() throws IOException {
        float[] weights = {
            1.0f, AttentionMaps.MASKED,
            0.0f, 1.0f,
        };
        Path file = dir.resolve("m.png");
        Heatmap.write(new AttentionMaps.Map("a", 0, 0, 2, 2, weights), file);
        BufferedImage image = ImageIO.read(file.toFile());
        int grey = Heatmap.MASKED.getRGB() & 0xffffff;
        assertEquals(grey, cell(image, 0, 1), "masked");
        assertEquals(0x440154, cell(image, 1, 0), "weight 0: the darkest colour of the scale, (68, 1, 84)");
        assertEquals(0xfde725, cell(image, 0, 0), "the largest weight: the brightest, (253, 231, 37)");
        // The legend: a grey swatch under the colour bar (bar at x = LEFT + width + 16, swatch 10 below the map).
        int barX = LEFT + 2 * CELL + 16;
        assertEquals(grey, image.getRGB(barX + 6, TOP + 2 * CELL + 16) & 0xffffff, "the legend's masked swatch");
    }

    @Test
    void aRunPaintsWhatTheMaskHidesGreyAndNothingElse() throws IOException {
        // Keys hidden inside the causal range (odd j) as well as past it, so both ways of masking are seen.
        Path model = Files.writeString(dir.resolve("m.attn"), """
                model M {
                  const D = 8, H = 2
                  dim T <= 16
                  input x : [T, D]
                  a = attention(x, x, x, heads = H) { mask causal && (j % 2 == 0 || j == i) }
                  output a
                }
                """);
        Path maps = dir.resolve("maps");
        CliTest.Run run = CliTest.attnc("run", model.toString(), "--seq", "6", "--dump-attention", maps.toString());
        assertEquals(Main.OK, run.code(), run.err());
        List<Path> pictures;
        try (var files = Files.list(maps)) {
            pictures = files.sorted().toList();
        }
        assertEquals(2, pictures.size(), pictures.toString());
        int grey = Heatmap.MASKED.getRGB() & 0xffffff;
        for (Path picture : pictures) {
            BufferedImage image = ImageIO.read(picture.toFile());
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    boolean visible = j <= i && (j % 2 == 0 || j == i);
                    if (visible) {
                        assertNotEquals(grey, cell(image, i, j), picture + ": query " + i + ", key " + j + " is seen");
                    } else {
                        assertEquals(grey, cell(image, i, j), picture + ": query " + i + ", key " + j + " is masked");
                    }
                }
            }
        }
    }

    @Test
    void aMaskedCellStillCountsAsWeightZero() {
        float[] weights = {0.25f, AttentionMaps.MASKED, 0.75f};
        AttentionMaps.Map map = new AttentionMaps.Map("a", 0, 0, 1, 3, weights);
        assertTrue(map.masked(0, 1));
        assertFalse(map.masked(0, 0));
        assertEquals(1.0, weights[0] + weights[1] + weights[2], 0.0, "a row sums to 1 with its masked cells");
        assertFalse(new AttentionMaps.Map("a", 0, 0, 1, 1, new float[] {0.0f}).masked(0, 0), "+0 is a weight, not a mask");
    }
}
