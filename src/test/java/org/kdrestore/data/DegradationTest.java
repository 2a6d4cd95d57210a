package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

class DegradationTest {
    /** Number of bytes that differ between two 8-bit Mats of equal size and type. */
    static int differingValues(Mat a, Mat b) {
        assertEquals(a.size(), b.size());
        assertEquals(a.type(), b.type());
        Mat diff = new Mat();
        Core.absdiff(a, b, diff);
        Mat flat = diff.reshape(1);
        return Core.countNonZero(flat);
    }

    @Test
    void x4AreaThenCubicEqualsOpenCvPythonPixelForPixel() {
        Mat sharp = Images.readBgr8(Fixtures.data("synthetic.png"));
        Mat expected = Images.readBgr8(Fixtures.data("x4_area_cubic.png"));
        Mat got = Degradation.apply(sharp, DegradationConfig.DEFAULT);
        assertEquals(0, differingValues(expected, got));
    }

    @Test
    void x2LinearThenLinearEqualsOpenCvPythonPixelForPixel() {
        Mat sharp = Images.readBgr8(Fixtures.data("synthetic.png"));
        Mat expected = Images.readBgr8(Fixtures.data("x2_linear_linear.png"));
        Mat got = Degradation.apply(sharp, new DegradationConfig(2, Interpolation.LINEAR, Interpolation.LINEAR));
        assertEquals(0, differingValues(expected, got));
    }

    @Test
    void degradationChangesTheImageAndKeepsItsSizeAndType() {
        Mat sharp = Images.readBgr8(Fixtures.data("synthetic.png"));
        Mat got = Degradation.apply(sharp, DegradationConfig.DEFAULT);
        assertEquals(CvType.CV_8UC3, got.type());
        assertEquals(960, got.cols());
        assertEquals(540, got.rows());
        assertTrue(differingValues(sharp, got) > 100_000);
    }

    @Test
    void defaultsAreFactorFourAreaDownCubicUp() {
        DegradationConfig d = DegradationConfig.defaults();
        assertEquals(4, d.factor());
        assertEquals(Interpolation.AREA, d.down());
        assertEquals(Interpolation.CUBIC, d.up());
    }

    @Test
    void factorThatDoesNotDivideTheQuadrantIsRefusedNamingIt() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> DegradationConfig.DEFAULT.withFactor(8));
        assertTrue(e.getMessage().contains("8"), e.getMessage());
        assertThrows(UserInputException.class, () -> DegradationConfig.DEFAULT.withFactor(1));
    }

    @Test
    void unknownInterpolationNameIsRefusedNamingIt() {
        UserInputException e = assertThrows(UserInputException.class, () -> Interpolation.parse("bicubic"));
        assertTrue(e.getMessage().contains("bicubic"), e.getMessage());
        assertEquals(Interpolation.LANCZOS, Interpolation.parse("Lanczos"));
    }
}
