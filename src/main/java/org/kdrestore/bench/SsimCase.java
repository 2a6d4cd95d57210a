package org.kdrestore.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.Ssim;

/** SSIM (pytorch-msssim definition, data range 1) of one 1920×1080 RGB pair, down to the scalar. */
public final class SsimCase implements BenchCase {
    private NDArray x;
    private NDArray y;

    @Override
    public String name() {
        return "ssim-1080p";
    }

    @Override
    public String description() {
        return "SSIM of a 1x3x1080x1920 pair (pytorch-msssim, win 11, sigma 1.5), to a scalar";
    }

    @Override
    public void setUp(NDManager manager) {
        manager.getEngine().setRandomSeed(0);
        x = manager.randomUniform(0f, 1f, new Shape(1, 3, 1080, 1920));
        y = x.add(manager.randomNormal(0f, 0.05f, x.getShape(), DataType.FLOAT32)).clip(0f, 1f);
    }

    @Override
    public void run(NDManager manager) {
        NDArray v = Ssim.ssim(x, y, Definition.pytorchMsssim(1));
        v.attach(manager);
        v.getFloat();
    }
}
