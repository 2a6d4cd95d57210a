package org.kdrestore.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.kdrestore.common.Engines;
import org.kdrestore.report.Charts;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class InlineTest {
    private static Document parse(String html) throws Exception {
        // The table HTML is well-formed XML (escaped text, closed tags), so an XML parser checks it strictly.
        String body = html.replaceFirst("(?s)<style>.*?</style>", "");
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(body)));
    }

    @Test
    void imageOfChwTensorKeepsSizeAndPixelColours() {
        try (NDManager m = Engines.newManager()) {
            // red image: R=1, G=0, B=0
            NDArray img = m.zeros(new Shape(3, 20, 30));
            img.set(new ai.djl.ndarray.index.NDIndex("0"), 1f);
            BufferedImage b = Inline.image(img);
            assertEquals(30, b.getWidth());
            assertEquals(20, b.getHeight());
            assertEquals(0xFF0000, b.getRGB(5, 5) & 0xFFFFFF);
        }
    }

    @Test
    void imageOfBatchLaysImagesSideBySide() {
        try (NDManager m = Engines.newManager()) {
            BufferedImage b = Inline.image(m.ones(new Shape(3, 3, 10, 12)));
            assertEquals(3 * 12 + 2 * 4, b.getWidth());
            assertEquals(10, b.getHeight());
            assertEquals(0xFFFFFF, b.getRGB(0, 0) & 0xFFFFFF);
        }
    }

    @Test
    void imageIsScaledDownToMaxWidthKeepingAspectButNeverEnlarged() {
        BufferedImage big = new BufferedImage(1920, 1080, BufferedImage.TYPE_INT_RGB);
        BufferedImage s = Inline.image(big, 480);
        assertEquals(480, s.getWidth());
        assertEquals(270, s.getHeight());
        BufferedImage small = new BufferedImage(100, 50, BufferedImage.TYPE_INT_RGB);
        assertSame(small, Inline.image(small, 480));
        assertThrows(IllegalArgumentException.class, () -> Inline.image(small, 0));
    }

    @Test
    void chartRendersAtTheChartsSize() {
        var chart = Charts.lines("t", "x", "y", List.of(new Charts.Series("s", new double[] {1, 2}, new double[] {3, 4})));
        BufferedImage b = Inline.chart(chart);
        assertEquals(chart.getWidth(), b.getWidth());
        assertEquals(chart.getHeight(), b.getHeight());
    }

    @Test
    void tableHtmlParsesAndShowsRoundedValuesNamesAndCaption() throws Exception {
        Table t = Table.create("Scores <1>", StringColumn.create("model", List.of("a&b", "c")),
                DoubleColumn.create("SSIM", new double[] {0.123456, 0.9}));
        String html = Inline.table(t, 3);
        Document d = parse(html);
        assertEquals("Scores <1>", d.getElementsByTagName("caption").item(0).getTextContent());
        assertEquals(2, d.getElementsByTagName("th").getLength());
        assertEquals(4, d.getElementsByTagName("td").getLength());
        assertEquals("a&b", d.getElementsByTagName("td").item(0).getTextContent());
        assertEquals("0.123", d.getElementsByTagName("td").item(1).getTextContent());
        assertEquals("0.9000", parse(Inline.table(t)).getElementsByTagName("td").item(3).getTextContent());
    }

    @Test
    void gridFitsThePageAndHasARowOfZoomedCrops() {
        Map<String, BufferedImage> panels = new LinkedHashMap<>();
        panels.put("a", new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB));
        panels.put("b", new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB));
        BufferedImage g = Inline.grid(panels, 64);
        assertTrue(g.getWidth() <= Inline.PAGE_WIDTH, "width " + g.getWidth());
        int panelW = (Inline.PAGE_WIDTH - 8 * 3) / 2;
        // label + scaled panel + gap + square zoom + 2 gaps
        assertEquals(28 + Math.round(540.0 * panelW / 960) + 8 + panelW + 16, g.getHeight());
        assertThrows(IllegalArgumentException.class, () -> Inline.grid(Map.of(), 64));
    }

    @Test
    void labelledRowIsPageWideWithAllImages() {
        Map<String, BufferedImage> imgs = new LinkedHashMap<>();
        BufferedImage white = new BufferedImage(100, 50, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 100; x++) {
                white.setRGB(x, y, 0xFFFFFF);
            }
        }
        BufferedImage black = new BufferedImage(100, 50, BufferedImage.TYPE_INT_RGB);
        imgs.put("white", white);
        imgs.put("black", black);
        BufferedImage row = Inline.labelled(imgs);
        assertEquals(Inline.PAGE_WIDTH, row.getWidth());
        int cellW = (Inline.PAGE_WIDTH - 8 * 3) / 2;
        int midY = 24 + cellW / 4;
        assertEquals(0xFFFFFF, row.getRGB(8 + cellW / 2, midY) & 0xFFFFFF);
        assertEquals(0x000000, row.getRGB(16 + cellW + cellW / 2, midY) & 0xFFFFFF);
    }

    @Test
    void textHelpersEscapeHtml() throws Exception {
        assertEquals("<p>a &lt;b&gt; &amp; c<br>d</p>", Inline.note("a <b> & c\nd"));
        assertTrue(Inline.warning("<x>").contains("&lt;x&gt;"));
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("dim", 48);
        kv.put("name", "<r>");
        Document d = parse(Inline.keyValues(kv));
        assertEquals("dim", d.getElementsByTagName("th").item(0).getTextContent());
        assertEquals("48", d.getElementsByTagName("td").item(0).getTextContent());
        assertEquals("<r>", d.getElementsByTagName("td").item(1).getTextContent());
    }
}
