package org.kdrestore.metric;

import java.util.List;
import java.util.Locale;
import org.kdrestore.common.UserInputException;

/**
 * What exactly an SSIM-family number means. Reports print {@link #describe()} next to the
 * value, because "SSIM 0.88" is meaningless without the window, constants and data range.
 *
 * @param name      the definition's name ({@value #PYTORCH_MSSSIM} or {@value #SKIMAGE})
 * @param window    Gaussian window size (taps of the 1-D kernel, applied separably)
 * @param sigma     Gaussian sigma
 * @param k1        C1 = (k1·dataRange)²
 * @param k2        C2 = (k2·dataRange)²
 * @param dataRange the value range of the images (1 for [0,1]); always explicit, never a default 255
 * @param padding   how borders are treated
 * @param channels  how channels are combined
 * @param dtype     the floating type the computation runs in
 */
public record Definition(String name, int window, double sigma, double k1, double k2, double dataRange,
        String padding, String channels, String dtype) {

    public static final String PYTORCH_MSSSIM = "pytorch-msssim";
    public static final String SKIMAGE = "skimage";
    public static final List<String> NAMES = List.of(PYTORCH_MSSSIM, SKIMAGE);

    public Definition {
        if (!(dataRange > 0) || Double.isInfinite(dataRange)) {
            throw new UserInputException("data range must be a positive number, got " + dataRange);
        }
        if (window < 1 || window % 2 == 0) {
            throw new UserInputException("SSIM window must be a positive odd number, got " + window);
        }
    }

    /**
     * {@code pytorch_msssim.ssim(X, Y, data_range=R, size_average=True)} (VainF/pytorch-msssim 1.0):
     * float32 1-D Gaussian window 11 / sigma 1.5 built as exp(-x²/(2σ²)) normalised to sum 1;
     * separable 'valid' convolution, H then W, with no padding (an axis shorter than the window
     * is not filtered); biased (population) variances; mean of the SSIM map per image and
     * channel, then over channels and images.
     */
    public static Definition pytorchMsssim(double dataRange) {
        return new Definition(PYTORCH_MSSSIM, 11, 1.5, 0.01, 0.03, dataRange,
                "valid (no padding; an axis shorter than the window is left unfiltered)",
                "per channel, then mean over channels and images", "float32");
    }

    /**
     * {@code skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
     * use_sample_covariance=False, data_range=R, channel_axis=0)} on float64 images: float64
     * Gaussian (scipy, truncate 3.5 → 11 taps), reflect padding whose border of 5 pixels is then
     * cropped, which leaves exactly the 'valid' region; images need both sides ≥ 11.
     */
    public static Definition skimage(double dataRange) {
        return new Definition(SKIMAGE, 11, 1.5, 0.01, 0.03, dataRange,
                "reflect, then a 5-pixel border cropped (= valid region); sides must be >= 11",
                "per channel, then mean over channels", "float64");
    }

    /** The definition called {@code name} (case-insensitive); bad names list the valid ones. */
    public static Definition byName(String name, double dataRange) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case PYTORCH_MSSSIM -> pytorchMsssim(dataRange);
            case SKIMAGE -> skimage(dataRange);
            default -> throw new UserInputException("unknown SSIM definition '" + name + "'; choose one of " + NAMES);
        };
    }

    public double c1() {
        return (k1 * dataRange) * (k1 * dataRange);
    }

    public double c2() {
        return (k2 * dataRange) * (k2 * dataRange);
    }

    public boolean isSkimage() {
        return SKIMAGE.equals(name);
    }

    /** One line for logs and reports. */
    public String describe() {
        return String.format(Locale.ROOT,
                "%s: Gaussian window %d, sigma %s, K1 %s, K2 %s, data range %s, padding %s, channels %s, %s",
                name, window, fmt(sigma), fmt(k1), fmt(k2), fmt(dataRange), padding, channels, dtype);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
