package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.function.UnaryOperator;

/**
 * Runs a per-pixel function with a small spatial reach (1×1 and 3×3 'same' convolutions) on
 * horizontal strips of an NCHW input and stacks the results, so its widest intermediate never
 * exists at full size. Each strip is computed with {@code halo} extra rows on each side (as far as
 * the image goes) that are cropped off again: rows next to a strip edge then see the same
 * neighbours as in one whole pass, and the result is the same up to float32 rounding.
 *
 * <p>Only for inference: with a gradient (training) the whole input goes through {@code f} at once.
 */
final class RowStrips {
    /** Largest widest-intermediate per strip, in bytes. */
    static long stripBytes = 64L << 20;

    private RowStrips() {}

    /**
     * @param widestChannels channels of {@code f}'s widest intermediate (sets the strip height)
     * @param halo rows of context {@code f} reads above and below (1 for a 3×3 conv)
     */
    static NDArray apply(NDArray x, int widestChannels, int halo, UnaryOperator<NDArray> f) {
        long rows = rowsPerStrip(x, widestChannels);
        if (rows == 0) {
            return f.apply(x);
        }
        long h = x.getShape().get(2);
        NDList parts = new NDList();
        for (long r0 = 0; r0 < h; r0 += rows) {
            long r1 = Math.min(h, r0 + rows);
            NDArray part;
            try (NDScope scope = new NDScope()) {
                part = strip(x, r0, r1, halo, f);
                NDScope.unregister(part);
            }
            parts.add(part);
        }
        NDArray out = NDArrays.concat(parts, 2);
        parts.close();
        return out;
    }

    /**
     * Rows per strip for an input whose widest intermediate has {@code widestChannels} channels,
     * or 0 where the input should go through whole: a gradient is wanted, or it fits in one strip.
     */
    static long rowsPerStrip(NDArray x, int widestChannels) {
        long n = x.getShape().get(0);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        long rows = Math.max(8, stripBytes / (4L * n * w * widestChannels));
        return org.kdrestore.common.Engines.gradientWanted(x) || rows >= h ? 0 : rows;
    }

    /**
     * {@code f} of rows r0..r1-1, registered in the open {@link NDScope}, computed with
     * {@code halo} rows of context each side (as far as the image goes).
     */
    static NDArray strip(NDArray x, long r0, long r1, int halo, UnaryOperator<NDArray> f) {
        long h = x.getShape().get(2);
        long s0 = Math.max(0, r0 - halo);
        long s1 = Math.min(h, r1 + halo);
        NDArray y = f.apply(x.get(new NDIndex(":, :, {}:{}, :", s0, s1)));
        NDScope.register(y); // f may hand its result over unregistered; the caller's scope frees it (a crop is a view)
        return s0 == r0 && s1 == r1 ? y : y.get(new NDIndex(":, :, {}:{}, :", r0 - s0, r1 - s0));
    }
}
