package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's default {@code nn.Conv2d} init: weight and bias uniform in ±1/√fan_in (that is
 * kaiming_uniform with a=√5). Only matters for random-weight runs (benches, key checks); real
 * runs load a checkpoint over it.
 */
final class TorchInit implements Initializer {
    private final double bound;

    TorchInit(long fanIn) {
        this.bound = 1.0 / Math.sqrt(fanIn);
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        return manager.randomUniform((float) -bound, (float) bound, shape, dataType);
    }
}
