package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Reflect padding of the bottom/right edges, as {@code F.pad(x, (0, padw, 0, padh), 'reflect')}. */
public final class Padding {
    private Padding() {}

    /**
     * How much upstream's test script pads a side of {@code n} pixels: up to the next multiple of
     * {@code factor}, nothing when already a multiple.
     */
    public static int toMultiple(long n, int factor) {
        return (int) ((factor - n % factor) % factor);
    }

    /**
     * Mirrors the last rows/columns without repeating the edge (torch 'reflect'): for a pad of p,
     * rows h−2, h−3, …, h−1−p are appended. p must be smaller than the side, as in torch.
     */
    public static NDArray reflectBottomRight(NDArray x, int padH, int padW) {
        Shape s = x.getShape();
        int hAxis = s.dimension() - 2;
        int wAxis = s.dimension() - 1;
        long h = s.get(hAxis);
        long w = s.get(wAxis);
        if (padH >= h || padW >= w) {
            throw new IllegalArgumentException("reflect padding by (" + padH + ", " + padW
                    + ") needs each side longer than its pad, got image " + s);
        }
        NDArray y = x;
        if (padH > 0) {
            String prefix = ":,".repeat(hAxis);
            NDArray mirror = x.get(prefix + (h - 1 - padH) + ":" + (h - 1)).flip(hAxis);
            y = y.concat(mirror, hAxis);
        }
        if (padW > 0) {
            String prefix = ":,".repeat(wAxis);
            NDArray mirror = y.get(prefix + (w - 1 - padW) + ":" + (w - 1)).flip(wAxis);
            y = y.concat(mirror, wAxis);
        }
        return y;
    }
}
