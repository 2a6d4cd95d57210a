package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

class FramesTest {
    @Test
    void fullHdPhotoIsUsedAsIs() {
        Mat f = TestImages.frame(0);
        assertSame(f, Frames.toFrame(f, FrameConfig.DEFAULT, "x"));
        assertNull(Frames.plan(1920, 1080, FrameConfig.DEFAULT, "x").interpolation());
    }

    @Test
    void larger16x9PhotoIsShrunkWithInterArea() {
        Mat big = new Mat();
        Imgproc.resize(TestImages.frame(0), big, new Size(2560, 1440), 0, 0, Imgproc.INTER_CUBIC);
        Mat got = Frames.toFrame(big, FrameConfig.DEFAULT, "big");
        Mat expected = new Mat();
        Imgproc.resize(big, expected, new Size(1920, 1080), 0, 0, Imgproc.INTER_AREA);
        assertEquals(0, DegradationTest.differingValues(expected, got));
        assertEquals(Interpolation.AREA, Frames.plan(2560, 1440, FrameConfig.DEFAULT, "big").interpolation());
    }

    @Test
    void widerPhotoIsCentreCroppedToFullHeight() {
        assertEquals(new Rect(320, 0, 1920, 1080), Frames.plan(2560, 1080, FrameConfig.DEFAULT, "w").crop());
    }

    @Test
    void tallerPhotoIsCentreCroppedToFullWidth() {
        Frames.Plan p = Frames.plan(2560, 1600, FrameConfig.DEFAULT, "t");
        assertEquals(new Rect(0, 80, 2560, 1440), p.crop());
        Mat photo = TestImages.solid(2560, 1600, CvType.CV_8UC3, 0, 0, 255);
        photo.submat(new Rect(0, 80, 2560, 1440)).setTo(new org.opencv.core.Scalar(0, 255, 0));
        Mat f = Frames.toFrame(photo, FrameConfig.DEFAULT, "t");
        assertEquals(1920, f.cols());
        assertEquals(1080, f.rows());
        // only the green window survives: no red rows at the top or bottom
        Mat red = new Mat();
        Core.extractChannel(f, red, 2);
        assertEquals(0, Core.countNonZero(red));
    }

    @Test
    void letterboxKeepsTheWholePhotoWithBlackBars() {
        Mat photo = TestImages.solid(2000, 2000, CvType.CV_8UC3, 200, 200, 200);
        Mat f = Frames.toFrame(photo, new FrameConfig(Fit.LETTERBOX, false), "sq");
        assertEquals(new Size(1920, 1080), f.size());
        double[] left = f.get(540, 100);
        double[] middle = f.get(540, 960);
        assertEquals(0.0, left[0]);
        assertEquals(200.0, middle[0]);
        // 1080x1080 picture centred: columns 420..1499
        assertEquals(0.0, f.get(540, 419)[0]);
        assertEquals(200.0, f.get(540, 420)[0]);
        assertEquals(200.0, f.get(540, 1499)[0]);
        assertEquals(0.0, f.get(540, 1500)[0]);
    }

    @Test
    void refuseFitRejectsNon16x9NamingThePhoto() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> Frames.plan(2560, 1600, new FrameConfig(Fit.REFUSE, false), "cups.jpg"));
        assertTrue(e.getMessage().contains("cups.jpg") && e.getMessage().contains("16:9"), e.getMessage());
        Frames.plan(3840, 2160, new FrameConfig(Fit.REFUSE, false), "ok.jpg");
    }

    @Test
    void photoSmallerThanTheFrameIsRefusedNamingIt() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> Frames.plan(1280, 720, FrameConfig.DEFAULT, "small.jpg"));
        assertTrue(e.getMessage().contains("small.jpg") && e.getMessage().contains("1280x720"), e.getMessage());
        // a photo that is wide enough but too short for the crop is also "smaller"
        assertThrows(UserInputException.class, () -> Frames.plan(2560, 1000, FrameConfig.DEFAULT, "short.jpg"));
    }

    @Test
    void smallPhotoIsEnlargedBicubicallyWhenAllowed() {
        Mat small = new Mat();
        Imgproc.resize(TestImages.frame(0), small, new Size(1280, 720), 0, 0, Imgproc.INTER_AREA);
        Mat got = Frames.toFrame(small, new FrameConfig(Fit.CROP, true), "small");
        Mat expected = new Mat();
        Imgproc.resize(small, expected, new Size(1920, 1080), 0, 0, Imgproc.INTER_CUBIC);
        assertEquals(0, DegradationTest.differingValues(expected, got));
    }

    @Test
    void fitNamesAreParsedAndUnknownOnesNamed() {
        assertEquals(Fit.LETTERBOX, Fit.parse("letterbox"));
        UserInputException e = assertThrows(UserInputException.class, () -> Fit.parse("stretch"));
        assertTrue(e.getMessage().contains("stretch"));
    }
}
