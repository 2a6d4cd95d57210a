package org.kdrestore.data;

import org.kdrestore.common.UserInputException;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Turns any photo into the 1920x1080 frame. A photo that is already 1920x1080 is used as is
 * (not even copied through a resize). Otherwise, with the default {@link Fit#CROP}, a centred
 * 16:9 window is cut out (nothing when the photo is exactly 16:9) and resized with
 * {@link FrameConfig#SHRINK} (INTER_AREA) or, only if allowed, enlarged with
 * {@link FrameConfig#ENLARGE} (INTER_CUBIC).
 */
public final class Frames {
    private Frames() {}

    /** What was done to a photo, for manifests and licence notes. */
    public record Plan(int srcWidth, int srcHeight, Rect crop, int scaledWidth, int scaledHeight,
                       Interpolation interpolation, String description) {}

    /** Plans the fit without touching pixels; errors name {@code source}. */
    public static Plan plan(int w, int h, FrameConfig cfg, String source) {
        int fw = FrameConfig.WIDTH;
        int fh = FrameConfig.HEIGHT;
        if (w == fw && h == fh) {
            return new Plan(w, h, new Rect(0, 0, w, h), w, h, null, "used as is (already 1920x1080)");
        }
        boolean exact169 = (long) w * 9 == (long) h * 16;
        Rect crop = new Rect(0, 0, w, h);
        int sw;
        int sh;
        switch (cfg.fit()) {
            case REFUSE:
                if (!exact169) {
                    throw new UserInputException(source + " is " + w + "x" + h + ", not 16:9 (fit 'refuse'; use --fit crop or letterbox)");
                }
                sw = fw;
                sh = fh;
                break;
            case LETTERBOX: {
                double s = Math.min((double) fw / w, (double) fh / h);
                sw = Math.min(fw, (int) Math.round(w * s));
                sh = Math.min(fh, (int) Math.round(h * s));
                break;
            }
            case CROP:
            default: {
                if ((long) w * 9 > (long) h * 16) { // too wide: keep the full height
                    int cw = (int) Math.round(h * 16.0 / 9.0);
                    crop = new Rect((w - cw) / 2, 0, cw, h);
                } else if ((long) w * 9 < (long) h * 16) { // too tall: keep the full width
                    int ch = (int) Math.round(w * 9.0 / 16.0);
                    crop = new Rect(0, (h - ch) / 2, w, ch);
                }
                sw = fw;
                sh = fh;
                break;
            }
        }
        boolean enlarge = sw > crop.width || sh > crop.height;
        if (enlarge && !cfg.allowUpscale()) {
            throw new UserInputException(source + " is " + w + "x" + h + ", smaller than the " + fw + "x" + fh
                    + " frame; enlarging it would make a blurry ground truth (use a larger photo or --allow-upscale)");
        }
        Interpolation interp = enlarge ? FrameConfig.ENLARGE : FrameConfig.SHRINK;
        StringBuilder d = new StringBuilder();
        if (crop.width != w || crop.height != h) {
            d.append("centre crop ").append(crop.width).append('x').append(crop.height)
                    .append(" at (").append(crop.x).append(',').append(crop.y).append("), ");
        }
        if (sw != crop.width || sh != crop.height) {
            d.append("resized to ").append(sw).append('x').append(sh).append(" with OpenCV INTER_").append(interp.id().toUpperCase());
        } else {
            interp = null;
            d.append("no resize");
        }
        if (sw != fw || sh != fh) {
            d.append(", letterboxed with black to ").append(fw).append('x').append(fh);
        }
        return new Plan(w, h, crop, sw, sh, interp, d.toString());
    }

    /** Applies {@link #plan}; returns the input itself when it is already 1920x1080. */
    public static Mat toFrame(Mat photo, FrameConfig cfg, String source) {
        Plan p = plan(photo.cols(), photo.rows(), cfg, source);
        if (p.interpolation() == null && p.crop().width == photo.cols() && p.crop().height == photo.rows()
                && p.scaledWidth() == FrameConfig.WIDTH && p.scaledHeight() == FrameConfig.HEIGHT) {
            return photo;
        }
        Mat window = photo.submat(p.crop());
        Mat scaled = new Mat();
        if (p.interpolation() == null) {
            window.copyTo(scaled);
        } else {
            Imgproc.resize(window, scaled, new Size(p.scaledWidth(), p.scaledHeight()), 0, 0, p.interpolation().cvFlag);
        }
        if (p.scaledWidth() == FrameConfig.WIDTH && p.scaledHeight() == FrameConfig.HEIGHT) {
            return scaled;
        }
        int top = (FrameConfig.HEIGHT - p.scaledHeight()) / 2;
        int left = (FrameConfig.WIDTH - p.scaledWidth()) / 2;
        Mat boxed = new Mat();
        Core.copyMakeBorder(scaled, boxed, top, FrameConfig.HEIGHT - p.scaledHeight() - top,
                left, FrameConfig.WIDTH - p.scaledWidth() - left, Core.BORDER_CONSTANT, new Scalar(0, 0, 0));
        scaled.release();
        return boxed;
    }
}
