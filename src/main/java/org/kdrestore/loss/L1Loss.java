package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;

/** Mean absolute error over every element (N·C·H·W), like {@code torch.nn.functional.l1_loss(reduction='mean')}. */
public record L1Loss(double weight) implements Loss {
    public L1Loss() {
        this(1.0);
    }

    @Override
    public String name() {
        return "l1";
    }

    @Override
    public NDArray forward(NDArray pred, NDArray target) {
        LossShapes.check(pred, target);
        return pred.sub(target).abs().mean();
    }

    @Override
    public String describe() {
        return "l1: mean |pred - target| over N*C*H*W (torch l1_loss, reduction mean)";
    }
}
