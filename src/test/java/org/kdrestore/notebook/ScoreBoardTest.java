package org.kdrestore.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.kdrestore.common.Engines;
import org.kdrestore.metric.PixelErrors;
import org.kdrestore.report.Summary;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class ScoreBoardTest {
    @Test
    void scoresMatchEvaluationAndSummaryHasTheConfidenceInterval() {
        ScoreBoard b = new ScoreBoard();
        try (NDManager m = Engines.newManager()) {
            NDArray gt = m.randomUniform(0, 1, new Shape(3, 32, 32));
            for (int i = 0; i < 3; i++) {
                NDArray noisy = gt.add(m.randomNormal(0, 0.02f * (i + 1), new Shape(3, 32, 32), ai.djl.ndarray.types.DataType.FLOAT32))
                        .clip(0, 1);
                var s = b.add("img" + i, "input", noisy, gt);
                assertEquals(PixelErrors.psnrPerImage(noisy.expandDims(0), gt.expandDims(0), 1.0)[0], s.psnr(), 1e-9);
                assertTrue(s.ssim() < 1 && s.ssim() > 0);
                assertTrue(Double.isNaN(s.msSsim()), "32 px is too small for MS-SSIM");
                b.add("img" + i, "perfect", gt.duplicate(), gt); // the same array twice trips Metrics.compare
            }
        }
        assertEquals(List.of("input", "perfect"), b.models());
        Table per = b.perImage();
        assertEquals(6, per.rowCount());
        Table sum = b.summary();
        // MS-SSIM is NaN everywhere, so two metrics per model
        assertEquals(4, sum.rowCount());
        Summary ssim = Summary.of(b.values("input", "SSIM"));
        assertEquals(ssim.mean(), sum.doubleColumn("mean").get(0), 1e-12);
        assertEquals(ssim.ciLow(), sum.doubleColumn("95% CI low").get(0), 1e-12);
        assertEquals(ssim.ciHigh(), sum.doubleColumn("95% CI high").get(0), 1e-12);
        assertEquals(1.0, sum.doubleColumn("mean").get(2), 1e-6);
    }

    @Test
    void pairedDifferencesAreImageByImage() {
        ScoreBoard b = new ScoreBoard();
        try (NDManager m = Engines.newManager()) {
            NDArray gt = m.randomUniform(0, 1, new Shape(3, 24, 24));
            for (int i = 0; i < 3; i++) {
                b.add("i" + i, "a", gt.mul(0.9f + 0.03f * i), gt);
                b.add("i" + i, "b", gt.duplicate(), gt);
            }
        }
        Table d = b.differences("a", "b");
        Summary s = Summary.ofDifferences(b.values("a", "SSIM"), b.values("b", "SSIM"));
        assertEquals("SSIM", d.stringColumn("metric").get(0));
        assertEquals(s.mean(), d.doubleColumn("mean difference").get(0), 1e-12);
        assertTrue(s.mean() < 0);
        assertThrows(IllegalArgumentException.class, () -> b.differences("a", "nobody"));
        assertThrows(IllegalArgumentException.class, () -> b.values("a", "LPIPS"));
    }
}
