package org.kdrestore.notebook;

import ai.djl.ndarray.NDArray;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.Images;
import org.kdrestore.report.Charts;
import org.kdrestore.report.ComparisonGrid;
import org.kdrestore.report.Html;
import org.kdrestore.report.Tables;
import org.knowm.xchart.XYChart;
import org.opencv.core.Mat;
import tech.tablesaw.api.Table;

/**
 * One-call conversions for notebook output: every method returns what the kernel's
 * {@code display(...)} renders inline — a {@link BufferedImage} (shown as PNG) or an HTML string
 * (shown with {@code display("text/html", ...)}). Nothing here computes results; it only presents
 * what the library computed, so a notebook never holds logic of its own.
 */
public final class Inline {
    private Inline() {}

    /** Width images are scaled down to by default: fits a notebook page without a scroll bar. */
    public static final int PAGE_WIDTH = 960;
    /** Decimals of numeric table cells by default (SSIM differences show in the 3rd–4th place). */
    public static final int DECIMALS = 4;

    /**
     * An image tensor, RGB in [0,1]: {@code (C,H,W)} or {@code (N,C,H,W)}; a batch of several
     * images is laid out side by side. Scaled down to {@link #PAGE_WIDTH} when wider.
     */
    public static BufferedImage image(NDArray image) {
        return image(image, PAGE_WIDTH);
    }

    /** {@link #image(NDArray)} scaled down to at most {@code maxWidth} pixels wide. */
    public static BufferedImage image(NDArray image, int maxWidth) {
        if (image.getShape().dimension() == 4 && image.getShape().get(0) > 1) {
            List<BufferedImage> parts = new ArrayList<>();
            for (long i = 0; i < image.getShape().get(0); i++) {
                try (NDArray one = image.get(i)) {
                    parts.add(ImageTensors.toBufferedImage(one));
                }
            }
            return image(row(parts, 4), maxWidth);
        }
        return image(ImageTensors.toBufferedImage(image), maxWidth);
    }

    /** An 8-bit BGR OpenCV image (what {@code data.Images} reads), scaled to at most {@code maxWidth}. */
    public static BufferedImage image(Mat bgr8, int maxWidth) {
        return image(Images.toBufferedImage(bgr8), maxWidth);
    }

    /** The image scaled down (aspect kept, bilinear) so it is at most {@code maxWidth} wide; never enlarged. */
    public static BufferedImage image(BufferedImage img, int maxWidth) {
        if (maxWidth < 1) {
            throw new IllegalArgumentException("maxWidth must be ≥ 1, got " + maxWidth);
        }
        if (img.getWidth() <= maxWidth) {
            return img;
        }
        int h = Math.max(1, (int) Math.round((double) img.getHeight() * maxWidth / img.getWidth()));
        BufferedImage out = new BufferedImage(maxWidth, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(img, 0, 0, maxWidth, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** An XChart chart as an image (the size the chart was built with). */
    public static BufferedImage chart(XYChart chart) {
        return Charts.image(chart);
    }

    /** A Tablesaw table as HTML with {@link #DECIMALS} decimals; numbers right-aligned. */
    public static String table(Table t) {
        return table(t, DECIMALS);
    }

    /** A Tablesaw table as HTML, numeric cells rounded to {@code decimals}; the table's name is the caption. */
    public static String table(Table t, int decimals) {
        String html = Tables.toHtml(t, decimals);
        String name = t.name();
        if (name != null && !name.isBlank()) {
            html = html.replaceFirst("<table>", "<table>\n<caption>" + Html.escape(name) + "</caption>");
        }
        return "<style>td.num{text-align:right;font-family:monospace}</style>\n" + html;
    }

    /**
     * A comparison grid: the images side by side, labelled, and under each the same most detailed
     * region enlarged (found in the last image, the reference). Panels are scaled to fit
     * {@link #PAGE_WIDTH} together.
     *
     * @param cropSize side of the enlarged region in source pixels
     */
    public static BufferedImage grid(Map<String, BufferedImage> panels, int cropSize) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("no panels");
        }
        List<ComparisonGrid.Panel> list = new ArrayList<>();
        panels.forEach((label, img) -> list.add(new ComparisonGrid.Panel(label, img)));
        int panelWidth = Math.max(64, (PAGE_WIDTH - 8 * (list.size() + 1)) / list.size());
        return ComparisonGrid.render(list, panelWidth, cropSize);
    }

    /** A label for {@link #grid}: an image tensor as a panel image. */
    public static BufferedImage panel(NDArray image) {
        return ImageTensors.toBufferedImage(image);
    }

    /**
     * Labelled images in a row, each scaled to the same height, the whole row at most
     * {@link #PAGE_WIDTH} wide (for showing the quadrants, or a few photos, at a glance).
     */
    public static BufferedImage labelled(Map<String, BufferedImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images");
        }
        int gap = 8;
        int labelH = 24;
        int n = images.size();
        int cellW = (PAGE_WIDTH - gap * (n + 1)) / n;
        int cellH = 0;
        for (BufferedImage img : images.values()) {
            cellH = Math.max(cellH, (int) Math.round((double) img.getHeight() * cellW / img.getWidth()));
        }
        BufferedImage out = new BufferedImage(PAGE_WIDTH, labelH + cellH + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            FontMetrics fm = g.getFontMetrics();
            int i = 0;
            for (Map.Entry<String, BufferedImage> e : images.entrySet()) {
                int x0 = gap + i * (cellW + gap);
                BufferedImage img = e.getValue();
                int h = (int) Math.round((double) img.getHeight() * cellW / img.getWidth());
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), x0 + Math.max(0, (cellW - fm.stringWidth(e.getKey())) / 2), labelH - 7);
                g.drawImage(img, x0, labelH, cellW, h, null);
                i++;
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** A short paragraph of text as HTML (escaped), for results a cell wants to state in words. */
    public static String note(String text) {
        return "<p>" + Html.escape(text).replace("\n", "<br>") + "</p>";
    }

    /** A highlighted warning box (escaped), for things a reader must not miss (e.g. a stand-in teacher). */
    public static String warning(String text) {
        return "<div style=\"border:2px solid #c00;background:#fee;padding:8px;font-weight:bold\">⚠ "
                + Html.escape(text).replace("\n", "<br>") + "</div>";
    }

    /** Key → value pairs as a two-column HTML table (configs, definitions, provenance). */
    public static String keyValues(Map<String, ?> entries) {
        StringBuilder sb = new StringBuilder("<table>\n");
        entries.forEach((k, v) -> sb.append("<tr><th style=\"text-align:left\">").append(Html.escape(k))
                .append("</th><td style=\"text-align:left\">").append(Html.escape(String.valueOf(v))).append("</td></tr>\n"));
        return sb.append("</table>\n").toString();
    }

    private static BufferedImage row(List<BufferedImage> parts, int gap) {
        int w = gap * (parts.size() - 1);
        int h = 0;
        for (BufferedImage p : parts) {
            w += p.getWidth();
            h = Math.max(h, p.getHeight());
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            int x = 0;
            for (BufferedImage p : parts) {
                g.drawImage(p, x, 0, null);
                x += p.getWidth() + gap;
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
