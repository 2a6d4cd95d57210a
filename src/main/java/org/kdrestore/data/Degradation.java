package org.kdrestore.data;

import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * The synthetic blur: {@code cv2.resize(cv2.resize(img, (w // f, h // f), interpolation=down),
 * (w, h), interpolation=up)} on 8-bit pixels, exactly as OpenCV computes it (dsize is
 * (width, height)). Tests check it pixel for pixel against OpenCV-Python.
 */
public final class Degradation {
    private Degradation() {}

    /** Degrades an image whose width and height are multiples of the factor; returns a new Mat. */
    public static Mat apply(Mat sharp, DegradationConfig cfg) {
        OpenCv.load();
        int w = sharp.cols();
        int h = sharp.rows();
        int f = cfg.factor();
        if (w % f != 0 || h % f != 0) {
            throw new IllegalArgumentException("image " + w + "x" + h + " is not a multiple of the factor " + f);
        }
        Mat small = new Mat();
        Imgproc.resize(sharp, small, new Size(w / f, h / f), 0, 0, cfg.down().cvFlag);
        Mat out = new Mat();
        Imgproc.resize(small, out, new Size(w, h), 0, 0, cfg.up().cvFlag);
        small.release();
        return out;
    }
}
