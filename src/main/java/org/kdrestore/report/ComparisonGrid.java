package org.kdrestore.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A labelled row of same-size images (degraded | teacher | student | ground truth) with, under
 * each, the same detailed region enlarged so differences show. The region is the window of most
 * gradient energy in the reference image (by default the last panel, the ground truth).
 */
public final class ComparisonGrid {
    private ComparisonGrid() {}

    /** One panel: a label above an image. */
    public record Panel(String label, BufferedImage image) {}

    /**
     * @param panelWidth width each full image is scaled to (aspect kept)
     * @param cropSize side of the square region (in source pixels) that is enlarged below
     */
    public static BufferedImage render(List<Panel> panels, int panelWidth, int cropSize) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("no panels");
        }
        BufferedImage ref = panels.get(panels.size() - 1).image();
        int w = ref.getWidth();
        int h = ref.getHeight();
        for (Panel p : panels) {
            if (p.image().getWidth() != w || p.image().getHeight() != h) {
                throw new IllegalArgumentException("panel '" + p.label() + "' is " + p.image().getWidth() + "x"
                        + p.image().getHeight() + ", expected " + w + "x" + h);
            }
        }
        int crop = Math.min(cropSize, Math.min(w, h));
        Rectangle region = mostDetailedRegion(ref, crop);
        int panelHeight = (int) Math.round((double) h * panelWidth / w);
        int labelH = 28;
        int gap = 8;
        int cols = panels.size();
        int width = cols * panelWidth + (cols + 1) * gap;
        int height = labelH + panelHeight + gap + panelWidth + 2 * gap;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            Font font = new Font(Font.SANS_SERIF, Font.BOLD, 16);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            double scale = (double) panelWidth / w;
            for (int i = 0; i < cols; i++) {
                Panel p = panels.get(i);
                int x0 = gap + i * (panelWidth + gap);
                String label = fit(p.label(), fm, panelWidth);
                g.setColor(Color.BLACK);
                g.drawString(label, x0 + (panelWidth - fm.stringWidth(label)) / 2, labelH - 8);
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(p.image(), x0, labelH, panelWidth, panelHeight, null);
                g.setColor(Color.RED);
                g.setStroke(new BasicStroke(2f));
                g.drawRect(x0 + (int) (region.x * scale), labelH + (int) (region.y * scale),
                        Math.max(2, (int) (region.width * scale)), Math.max(2, (int) (region.height * scale)));
                // Nearest-neighbour enlargement: the zoom shows pixels as they are.
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
                int y1 = labelH + panelHeight + gap;
                g.drawImage(p.image(), x0, y1, x0 + panelWidth, y1 + panelWidth,
                        region.x, region.y, region.x + region.width, region.y + region.height, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static String fit(String s, FontMetrics fm, int width) {
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t) > width) {
            t = t.substring(0, t.length() - 2) + "…";
        }
        return t;
    }

    /** The crop×crop window (on a grid of half-window steps) with the largest sum of |∇luma|. */
    static Rectangle mostDetailedRegion(BufferedImage img, int crop) {
        int w = img.getWidth();
        int h = img.getHeight();
        double[][] grad = new double[h][w];
        double[][] luma = new double[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                luma[y][x] = 0.299 * ((rgb >> 16) & 255) + 0.587 * ((rgb >> 8) & 255) + 0.114 * (rgb & 255);
            }
        }
        for (int y = 0; y < h - 1; y++) {
            for (int x = 0; x < w - 1; x++) {
                grad[y][x] = Math.abs(luma[y][x + 1] - luma[y][x]) + Math.abs(luma[y + 1][x] - luma[y][x]);
            }
        }
        // Summed-area table for O(1) window sums.
        double[][] sat = new double[h + 1][w + 1];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                sat[y + 1][x + 1] = grad[y][x] + sat[y][x + 1] + sat[y + 1][x] - sat[y][x];
            }
        }
        int step = Math.max(1, crop / 2);
        double best = -1;
        int bx = 0;
        int by = 0;
        for (int y = 0; y + crop <= h; y += step) {
            for (int x = 0; x + crop <= w; x += step) {
                double s = sat[y + crop][x + crop] - sat[y][x + crop] - sat[y + crop][x] + sat[y][x];
                if (s > best) {
                    best = s;
                    bx = x;
                    by = y;
                }
            }
        }
        return new Rectangle(bx, by, crop, crop);
    }
}
