package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * {@code nn.PixelShuffle(r)} / {@code nn.PixelUnshuffle(r)} as reshape + transpose, with
 * PyTorch's channel order (output channel {@code c·r² + i·r + j} for unshuffle).
 */
public final class PixelShuffle extends UnaryBlock {
    private final int factor;
    private final boolean inverse;

    private PixelShuffle(int factor, boolean inverse) {
        this.factor = factor;
        this.inverse = inverse;
    }

    /** (N, C·r², H, W) → (N, C, H·r, W·r). */
    public static PixelShuffle shuffle(int factor) {
        return new PixelShuffle(factor, false);
    }

    /** (N, C, H·r, W·r) → (N, C·r², H, W). */
    public static PixelShuffle unshuffle(int factor) {
        return new PixelShuffle(factor, true);
    }

    public static NDArray shuffle(NDArray x, int r) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1) / (r * r), h = s.get(2), w = s.get(3);
        return x.reshape(n, c, r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, c, h * r, w * r);
    }

    public static NDArray unshuffle(NDArray x, int r) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1), h = s.get(2) / r, w = s.get(3) / r;
        if (h * r != s.get(2) || w * r != s.get(3)) {
            throw new IllegalArgumentException("pixel unshuffle by " + r + " needs sides divisible by " + r + ", got " + s);
        }
        return x.reshape(n, c, h, r, w, r).transpose(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h, w);
    }

    @Override
    public NDArray apply(NDArray x) {
        return inverse ? unshuffle(x, factor) : shuffle(x, factor);
    }

    @Override
    protected Shape outputShape(Shape in) {
        long r = factor;
        return inverse
                ? new Shape(in.get(0), in.get(1) * r * r, in.get(2) / r, in.get(3) / r)
                : new Shape(in.get(0), in.get(1) / (r * r), in.get(2) * r, in.get(3) * r);
    }
}
