package org.kdrestore.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportDocumentTest {
    @TempDir
    Path dir;

    @Test
    void htmlIsSelfContainedAndMarkdownLinksItsPngs() throws Exception {
        new ReportDocument("Run <1>")
                .heading(1, "Summary")
                .table(TablesTest.sample(), 4, "SSIM, pytorch-msssim definition")
                .image("grid.png", "grid", new BufferedImage(8, 4, BufferedImage.TYPE_INT_RGB))
                .code("{\"a\": 1}")
                .write(dir);
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("<title>Run &lt;1&gt;</title>"));
        assertTrue(html.contains("src=\"data:image/png;base64,"));
        assertFalse(html.contains("src=\"grid.png\""), "HTML must not depend on files beside it");
        String md = Files.readString(dir.resolve("README.md"));
        assertTrue(md.contains("![grid](grid.png)") && md.contains("| input | 0.8123 |"), md);
        assertTrue(ImageIO.read(dir.resolve("grid.png").toFile()).getWidth() == 8);
    }
}
