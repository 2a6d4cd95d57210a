package org.kdrestore.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** All image metrics of one comparison, each with its definition. */
public final class Metrics {
    private Metrics() {}

    /**
     * The result of comparing {@code x} with {@code y}. Batch values are means over images;
     * {@code ssimPerChannel} is {@code [image][channel]}; {@code msSsim} is null when it cannot be
     * computed and {@code msSsimReason} says why.
     */
    public record Comparison(double ssim, double[] ssimPerImage, double[][] ssimPerChannel, Double msSsim,
            String msSsimReason, double psnr, double[] psnrPerImage, double mse, double l1, Definition definition,
            String msSsimDefinition, String pixelDefinition) {}

    /** Compares two images {@code (C,H,W)} or batches {@code (N,C,H,W)}, values in [0, dataRange]. */
    public static Comparison compare(NDArray x, NDArray y, Definition def) {
        try (NDManager scope = x.getManager().newSubManager()) {
            NDArray pc = Ssim.perChannel(x, y, def);
            pc.attach(scope);
            long n = pc.getShape().get(0);
            long c = pc.getShape().get(1);
            double[] flat = pc.toType(DataType.FLOAT64, false).toDoubleArray();
            double[][] perChannel = new double[(int) n][(int) c];
            double[] perImage = new double[(int) n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < c; j++) {
                    perChannel[i][j] = flat[(int) (i * c + j)];
                    s += perChannel[i][j];
                }
                perImage[i] = s / c;
            }
            // the mean as the engine computes it (float32 for pytorch-msssim), the headline number
            double ssim = pc.mean().toType(DataType.FLOAT64, false).getDouble();
            Definition msDef = Definition.pytorchMsssim(def.dataRange());
            String reason = MsSsim.refusal(x.getShape(), msDef).orElse(null);
            Double ms = null;
            if (reason == null) {
                NDArray v = MsSsim.msSsim(x, y, msDef);
                v.attach(scope);
                ms = (double) v.getFloat();
            }
            double[] psnr = PixelErrors.psnrPerImage(x, y, def.dataRange());
            return new Comparison(ssim, perImage, perChannel, ms, reason, PixelErrors.mean(psnr), psnr,
                    PixelErrors.mean(PixelErrors.msePerImage(x, y)), PixelErrors.mean(PixelErrors.l1PerImage(x, y)), def,
                    MsSsim.describe(msDef), PixelErrors.DEFINITION);
        }
    }
}
