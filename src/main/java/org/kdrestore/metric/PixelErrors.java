package org.kdrestore.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.kdrestore.common.UserInputException;

/**
 * Per-image pixel errors, computed in float64 over all C·H·W values of each image:
 * MSE = mean((x − y)²), L1 = mean(|x − y|), PSNR = 10·log10(R² / MSE) in dB with R the data
 * range ({@code skimage.metrics.peak_signal_noise_ratio}); identical images give PSNR = +∞.
 * The batch PSNR is the mean of the per-image PSNRs (+∞ when any image is identical).
 */
public final class PixelErrors {
    private PixelErrors() {}

    public static final String DEFINITION = "psnr = 10*log10(R^2/mse) dB per image, mse and l1 = mean over C*H*W "
            + "in float64 per image; batch values are means over images; identical images give psnr +Infinity";

    public static double[] msePerImage(NDArray x, NDArray y) {
        return reduce(x, y, false);
    }

    public static double[] l1PerImage(NDArray x, NDArray y) {
        return reduce(x, y, true);
    }

    public static double[] psnrPerImage(NDArray x, NDArray y, double dataRange) {
        double[] mse = msePerImage(x, y);
        double[] out = new double[mse.length];
        for (int i = 0; i < mse.length; i++) {
            out[i] = psnr(mse[i], dataRange);
        }
        return out;
    }

    /** 10·log10(R²/mse); +∞ for mse 0. */
    public static double psnr(double mse, double dataRange) {
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(dataRange * dataRange / mse);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    private static double[] reduce(NDArray x, NDArray y, boolean abs) {
        if (!x.getShape().equals(y.getShape())) {
            throw new UserInputException("images must have the same shape, got " + x.getShape() + " and " + y.getShape());
        }
        try (NDArray d = x.toType(DataType.FLOAT64, false).sub(y.toType(DataType.FLOAT64, false))) {
            NDArray e = abs ? d.abs() : d.square();
            long n = x.getShape().dimension() == 4 ? x.getShape().get(0) : 1;
            NDArray m = e.reshape(n, -1).mean(new int[] {1});
            double[] out = m.toDoubleArray();
            e.close();
            m.close();
            return out;
        }
    }
}
