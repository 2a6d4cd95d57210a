package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.Ssim;

/**
 * {@code 1 − SSIM(pred, target)} with SSIM exactly as {@code pytorch_msssim.ssim(pred, target,
 * data_range=R, size_average=True)}: the mean over images and channels (see {@link Definition}).
 */
public record SsimLoss(double weight, Definition definition) implements Loss {
    /** Weight 1, pytorch-msssim definition with data range 1. */
    public SsimLoss() {
        this(1.0);
    }

    public SsimLoss(double weight) {
        this(weight, Definition.pytorchMsssim(1.0));
    }

    @Override
    public String name() {
        return "ssim";
    }

    @Override
    public NDArray forward(NDArray pred, NDArray target) {
        LossShapes.check(pred, target);
        return Ssim.ssim(pred, target, definition).neg().add(1f);
    }

    @Override
    public String describe() {
        return "ssim: 1 - SSIM(pred, target), SSIM " + definition.describe();
    }
}
