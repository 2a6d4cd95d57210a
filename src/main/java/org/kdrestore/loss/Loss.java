package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;

/**
 * One loss term between a prediction and a target, both {@code (N,C,H,W)} float32 in [0,1].
 * {@link #forward} returns the unweighted scalar, differentiable with respect to the
 * prediction; {@link #weight} is applied by whoever composes terms ({@link DistillationLoss}),
 * so logs can show raw and weighted values side by side.
 */
public interface Loss {
    /** Short name used in logs and reports ({@code l1}, {@code ssim}, {@code vgg}). */
    String name();

    /** The weight this term carries in a composition. */
    double weight();

    /** The unweighted loss, a scalar NDArray. */
    NDArray forward(NDArray pred, NDArray target);

    /** {@code weight() · forward(pred, target)}. */
    default NDArray weighted(NDArray pred, NDArray target) {
        // full(), not mul(Number): DJL's scalar for mul(Number) lives in Java memory that is freed
        // right after the op, while autograd still reads it in backward.
        NDArray v = forward(pred, target);
        return v.mul(v.getManager().full(new ai.djl.ndarray.types.Shape(), (float) weight()));
    }

    /** How the term is defined, for logs and reports. */
    String describe();
}
