package org.kdrestore.infer;

/** How overlapping tiles are merged. */
public enum Blend {
    /**
     * Every tile pixel weighs 1; overlaps are plain averages (what upstream's tiled test scripts,
     * e.g. Denoising/test_real_denoising_dnd.py with --tile, do).
     */
    AVERAGE,
    /**
     * Weights ramp linearly across the overlap, from 1/(overlap+1) at a tile's inner edge to 1, so
     * a tile's outermost pixels, where its receptive field is cut, count least. Image borders keep
     * weight 1. The default.
     */
    FEATHER
}
