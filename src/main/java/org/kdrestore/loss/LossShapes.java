package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;

final class LossShapes {
    private LossShapes() {}

    static void check(NDArray pred, NDArray target) {
        if (!pred.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("prediction and target shapes differ: " + pred.getShape()
                    + " vs " + target.getShape());
        }
    }
}
