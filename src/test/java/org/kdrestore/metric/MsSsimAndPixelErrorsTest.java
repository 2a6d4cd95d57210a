package org.kdrestore.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;

/** Golden values from pytorch_msssim.ms_ssim and skimage (tools/fixtures/metric_golden.py). */
class MsSsimAndPixelErrorsTest {
    static NDManager manager;
    static Fixtures fx;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        fx = new Fixtures(manager, "ssim_pairs.npz");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void msSsimEqualsPytorchMsssimOnAnOddSizedPairLargerThan160() {
        NDArray x = fx.image("big_x");
        NDArray y = fx.image("big_y");
        Definition def = Definition.pytorchMsssim(1);
        assertEquals(fx.scalar("big_ms_ssim"), MsSsim.msSsim(x, y, def).getFloat(), 1e-5);
        assertArrayEquals(fx.doubles("big_ms_ssim_per_image"), Fixtures.doubles(MsSsim.perImage(x, y, def)), 1e-5);
    }

    @Test
    void msSsimRefusesAShorterSideOf160OrLessAndSaysTheLimit() {
        NDArray x = fx.image("batch_x");
        UserInputException e = assertThrows(UserInputException.class,
                () -> MsSsim.msSsim(x, x, Definition.pytorchMsssim(1)));
        assertTrue(e.getMessage().contains("160") && e.getMessage().contains("40x56"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"noise_low", "noise_high", "blur", "contrast_brightness", "lowcontrast_blur_noise",
        "short_side", "big", "batch"})
    void psnrMseAndL1EqualSkimageAndNumpyPerImage(String name) {
        NDArray x = fx.image(name + "_x");
        NDArray y = fx.image(name + "_y");
        assertArrayEquals(fx.doubles(name + "_psnr"), PixelErrors.psnrPerImage(x, y, 1), 1e-3);
        assertArrayEquals(fx.doubles(name + "_mse"), PixelErrors.msePerImage(x, y), 1e-12);
        assertArrayEquals(fx.doubles(name + "_l1"), PixelErrors.l1PerImage(x, y), 1e-12);
    }

    @Test
    void identicalImagesHaveInfinitePsnrAndZeroErrors() {
        NDArray x = fx.image("identical_x");
        Metrics.Comparison c = Metrics.compare(x, fx.image("identical_y"), Definition.pytorchMsssim(1));
        assertEquals(Double.POSITIVE_INFINITY, c.psnr());
        assertEquals(0.0, c.mse());
        assertEquals(0.0, c.l1());
        assertEquals(1.0, c.ssim(), 1e-6);
    }

    @Test
    void compareReportsEveryMetricOfABatchWithItsDefinition() {
        Metrics.Comparison c = Metrics.compare(fx.image("batch_x"), fx.image("batch_y"), Definition.pytorchMsssim(1));
        assertEquals(fx.scalar("batch_ssim"), c.ssim(), 1e-5);
        assertArrayEquals(fx.doubles("batch_ssim_per_image"), c.ssimPerImage(), 1e-5);
        double[] pc = fx.doubles("batch_ssim_per_channel");
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(pc[i * 3 + j], c.ssimPerChannel()[i][j], 1e-5);
            }
        }
        assertNull(c.msSsim());
        assertTrue(c.msSsimReason().contains("160"));
        assertEquals(PixelErrors.mean(fx.doubles("batch_psnr")), c.psnr(), 1e-3);
        assertEquals(PixelErrors.mean(fx.doubles("batch_mse")), c.mse(), 1e-12);
        assertEquals(PixelErrors.mean(fx.doubles("batch_l1")), c.l1(), 1e-12);
        assertTrue(c.definition().describe().contains("data range 1"), c.definition().describe());
    }

    @Test
    void compareComputesMsSsimWhenTheImageIsLargeEnough() {
        Metrics.Comparison c = Metrics.compare(fx.image("big_x"), fx.image("big_y"), Definition.skimage(1));
        assertEquals(fx.scalar("big_ms_ssim"), c.msSsim(), 1e-5);
        assertEquals(fx.doubles("big_skimage_ssim")[0], c.ssim(), 1e-5);
    }
}
