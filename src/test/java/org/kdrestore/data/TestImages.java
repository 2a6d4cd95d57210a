package org.kdrestore.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;

/** Synthetic photos for tests, built from the fixture test card. */
final class TestImages {
    private TestImages() {}

    /** A 1920x1080 BGR frame: the 960x540 test card in four orientations, shifted by {@code tint}. */
    static Mat frame(int tint) {
        OpenCv.load();
        Mat card = Images.readBgr8(Fixtures.data("synthetic.png"));
        Mat h = new Mat();
        Mat v = new Mat();
        Mat hv = new Mat();
        Core.flip(card, h, 1);
        Core.flip(card, v, 0);
        Core.flip(card, hv, -1);
        Mat top = new Mat();
        Mat bottom = new Mat();
        Core.hconcat(List.of(card, h), top);
        Core.hconcat(List.of(v, hv), bottom);
        Mat f = new Mat();
        Core.vconcat(List.of(top, bottom), f);
        Core.add(f, new Scalar(tint, tint, tint), f);
        return f;
    }

    /** A solid image of the given size and type. */
    static Mat solid(int w, int h, int type, double... bgr) {
        OpenCv.load();
        return new Mat(h, w, type, new Scalar(bgr));
    }

    static Path writeFrame(Path file, int tint) throws IOException {
        Images.write(file, frame(tint));
        return file;
    }

    static Mat u8(int w, int h) {
        return solid(w, h, CvType.CV_8UC3, 10, 20, 30);
    }
}
