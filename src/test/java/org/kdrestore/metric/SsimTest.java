package org.kdrestore.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;

/** Golden values from pytorch_msssim and skimage (tools/fixtures/metric_golden.py). */
class SsimTest {
    static final double TOL = 1e-5;
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

    @ParameterizedTest
    @ValueSource(strings = {"noise_low", "noise_high", "blur", "identical", "contrast_brightness",
        "lowcontrast_blur_noise", "short_side", "big", "batch"})
    void ssimEqualsPytorchMsssimPerChannelPerImageAndMean(String name) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = fx.image(name + "_x");
            NDArray y = fx.image(name + "_y");
            x.attach(m);
            y.attach(m);
            Definition def = Definition.pytorchMsssim(1.0);
            NDArray pc = Ssim.perChannel(x, y, def);
            assertEquals(DataType.FLOAT32, pc.getDataType());
            assertEquals(new Shape(x.getShape().get(0), 3), pc.getShape());
            assertArrayEquals(fx.doubles(name + "_ssim_per_channel"), Fixtures.doubles(pc), TOL);
            assertArrayEquals(fx.doubles(name + "_ssim_per_image"), Fixtures.doubles(Ssim.perImage(x, y, def)), TOL);
            assertEquals(fx.scalar(name + "_ssim"), Ssim.ssim(x, y, def).getFloat(), TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"noise_low", "noise_high", "blur", "identical", "contrast_brightness",
        "lowcontrast_blur_noise", "big", "batch"})
    void skimageDefinitionEqualsStructuralSimilarity(String name) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = fx.image(name + "_x");
            NDArray y = fx.image(name + "_y");
            x.attach(m);
            y.attach(m);
            NDArray perImage = Ssim.perImage(x, y, Definition.skimage(1.0));
            assertEquals(DataType.FLOAT64, perImage.getDataType());
            assertArrayEquals(fx.doubles(name + "_skimage_ssim"), Fixtures.doubles(perImage), TOL);
        }
    }

    @Test
    void aSingleChwImageIsABatchOfOne() {
        NDArray x = fx.image("blur_x").squeeze(0);
        NDArray y = fx.image("blur_y").squeeze(0);
        assertEquals(fx.scalar("blur_ssim"), Ssim.ssim(x, y, Definition.pytorchMsssim(1)).getFloat(), TOL);
    }

    @Test
    void windowIsTheNormalisedFloat32GaussianOfPytorchMsssim() {
        float[] g = Ssim.window(manager, Definition.pytorchMsssim(1), false).toFloatArray();
        assertEquals(11, g.length);
        double sum = 0;
        for (float v : g) {
            sum += v;
        }
        assertEquals(1.0, sum, 1e-6);
        assertEquals(g[0], g[10], 0f);
        // exp(-25/4.5) / sum of exp(-k²/4.5), k = -5..5
        double norm = 0;
        for (int k = -5; k <= 5; k++) {
            norm += Math.exp(-k * k / 4.5);
        }
        assertEquals(Math.exp(-25 / 4.5) / norm, g[0], 1e-8);
    }

    @Test
    void dataRangeEntersTheConstants() {
        NDArray x = fx.image("noise_high_x");
        NDArray y = fx.image("noise_high_y");
        float r1 = Ssim.ssim(x, y, Definition.pytorchMsssim(1)).getFloat();
        float r255 = Ssim.ssim(x, y, Definition.pytorchMsssim(255)).getFloat();
        assertTrue(r255 > r1 + 0.1, "C1, C2 grow with the data range: " + r1 + " vs " + r255);
    }

    @Test
    void mismatchedShapesAreRefusedWithBothShapes() {
        NDArray x = manager.zeros(new Shape(1, 3, 20, 20));
        NDArray y = manager.zeros(new Shape(1, 3, 20, 21));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Ssim.ssim(x, y, Definition.pytorchMsssim(1)));
        assertTrue(e.getMessage().contains("(1, 3, 20, 20)") && e.getMessage().contains("(1, 3, 20, 21)"), e.getMessage());
    }

    @Test
    void skimageRefusesImagesSmallerThanItsWindow() {
        NDArray x = fx.image("short_side_x");
        UserInputException e = assertThrows(UserInputException.class,
                () -> Ssim.ssim(x, x, Definition.skimage(1)));
        assertTrue(e.getMessage().contains("8x20"), e.getMessage());
    }

    @Test
    void unknownDefinitionNameListsTheValidOnes() {
        UserInputException e = assertThrows(UserInputException.class, () -> Definition.byName("matlab", 1));
        assertTrue(e.getMessage().contains("matlab") && e.getMessage().contains("skimage"), e.getMessage());
    }
}
