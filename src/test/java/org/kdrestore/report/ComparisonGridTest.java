package org.kdrestore.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComparisonGridTest {
    static BufferedImage flatWithCheckerAt(int w, int h, int cx, int cy, int size) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean inside = x >= cx && x < cx + size && y >= cy && y < cy + size;
                img.setRGB(x, y, inside && ((x + y) & 1) == 0 ? 0xffffff : 0x808080);
            }
        }
        return img;
    }

    @Test
    void zoomRegionLandsOnTheOnlyDetailedPatch() {
        BufferedImage img = flatWithCheckerAt(200, 120, 128, 64, 32);
        Rectangle r = ComparisonGrid.mostDetailedRegion(img, 32);
        assertEquals(new Rectangle(128, 64, 32, 32), r);
    }

    @Test
    void gridHasOneColumnPerPanelAndAZoomRow() {
        BufferedImage img = flatWithCheckerAt(96, 54, 10, 10, 8);
        BufferedImage grid = ComparisonGrid.render(List.of(new ComparisonGrid.Panel("a", img),
                new ComparisonGrid.Panel("b", img)), 192, 16);
        // 2 panels of 192 px and 3 gaps of 8 px; label strip 28 + 108 image + 8 + 192 zoom + 16.
        assertEquals(2 * 192 + 3 * 8, grid.getWidth());
        assertEquals(28 + 108 + 8 + 192 + 16, grid.getHeight());
    }

    @Test
    void panelsOfDifferentSizesAreRefusedWithBothSizes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ComparisonGrid.render(List.of(
                new ComparisonGrid.Panel("small", new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB)),
                new ComparisonGrid.Panel("ref", new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB))), 100, 8));
        assertEquals("panel 'small' is 10x10, expected 20x10", e.getMessage());
    }
}
