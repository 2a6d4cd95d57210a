package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;

/**
 * Upstream's {@code Downsample} (3×3 conv to C/2, pixel-unshuffle 2: C/2·4 = 2C at half size) and
 * {@code Upsample} (3×3 conv to 2C, pixel-shuffle 2: C/2 at double size). Both keep their layers in
 * a sequential {@code body}, so the conv's key is {@code body.0.weight}.
 */
public abstract class Resample extends UnaryBlock {
    private final Conv conv;
    private final boolean down;

    Resample(int channels, boolean down) {
        this.down = down;
        this.conv = Conv.dense(channels, down ? channels / 2 : channels * 2, 3, false);
        addChildBlock("body", new SequentialBlock().add(conv).add(down ? PixelShuffle.unshuffle(2) : PixelShuffle.shuffle(2)));
    }

    @Override
    public NDArray apply(NDArray x) {
        try (NDArray y = conv.apply(x)) {
            return down ? PixelShuffle.unshuffle(y, 2) : PixelShuffle.shuffle(y, 2);
        }
    }

    @Override
    protected Shape outputShape(Shape in) {
        long c = in.get(1);
        return down ? new Shape(in.get(0), c * 2, in.get(2) / 2, in.get(3) / 2)
                : new Shape(in.get(0), c / 2, in.get(2) * 2, in.get(3) * 2);
    }
}
