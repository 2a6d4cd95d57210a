package org.kdrestore.data;

/**
 * How a photo becomes the 1920x1080 frame that is split into quadrants.
 *
 * @param fit what to do when the photo is not 16:9 (default {@link Fit#CROP})
 * @param allowUpscale whether a photo smaller than the frame may be enlarged (default false:
 *     an upscaled "sharp" image is itself blurry, which would teach the student the wrong target)
 */
public record FrameConfig(Fit fit, boolean allowUpscale) {
    public static final int WIDTH = 1920;
    public static final int HEIGHT = 1080;
    /** Interpolation when the photo is larger than the frame: area averaging, which does not alias. */
    public static final Interpolation SHRINK = Interpolation.AREA;
    /** Interpolation when enlarging (only with allowUpscale): bicubic, sharper than bilinear. */
    public static final Interpolation ENLARGE = Interpolation.CUBIC;

    public static final FrameConfig DEFAULT = new FrameConfig(Fit.CROP, false);

    public FrameConfig {
        if (fit == null) {
            fit = Fit.CROP;
        }
    }

    public static FrameConfig defaults() {
        return DEFAULT;
    }
}
