package org.kdrestore.data;

import java.util.EnumMap;
import java.util.Map;
import org.opencv.core.Mat;
import org.opencv.core.Rect;

/** Splits the 1920x1080 frame into its four 960x540 quadrants and joins them back. */
public final class Quadrants {
    private Quadrants() {}

    public static final int WIDTH = FrameConfig.WIDTH / 2;
    public static final int HEIGHT = FrameConfig.HEIGHT / 2;

    /** The quadrant's window in frame coordinates. */
    public static Rect rect(Quadrant q) {
        return new Rect(q.x(), q.y(), WIDTH, HEIGHT);
    }

    /** Independent copies (not views) of the four quadrants, in tl, tr, bl, br order. */
    public static Map<Quadrant, Mat> split(Mat frame) {
        if (frame.cols() != FrameConfig.WIDTH || frame.rows() != FrameConfig.HEIGHT) {
            throw new IllegalArgumentException("expected a " + FrameConfig.WIDTH + "x" + FrameConfig.HEIGHT
                    + " frame, got " + frame.cols() + "x" + frame.rows());
        }
        Map<Quadrant, Mat> out = new EnumMap<>(Quadrant.class);
        for (Quadrant q : Quadrant.values()) {
            out.put(q, frame.submat(rect(q)).clone());
        }
        return out;
    }

    /** The inverse of {@link #split}: places four 960x540 images into one 1920x1080 frame. */
    public static Mat join(Map<Quadrant, Mat> parts) {
        Mat any = parts.get(Quadrant.TL);
        if (any == null || parts.size() != 4) {
            throw new IllegalArgumentException("need all four quadrants, got " + parts.keySet());
        }
        Mat frame = new Mat(FrameConfig.HEIGHT, FrameConfig.WIDTH, any.type());
        for (Quadrant q : Quadrant.values()) {
            Mat p = parts.get(q);
            if (p.cols() != WIDTH || p.rows() != HEIGHT || p.type() != any.type()) {
                throw new IllegalArgumentException("quadrant " + q + " is " + p.cols() + "x" + p.rows()
                        + ", expected " + WIDTH + "x" + HEIGHT + " of the same type as tl");
            }
            p.copyTo(frame.submat(rect(q)));
        }
        return frame;
    }
}
