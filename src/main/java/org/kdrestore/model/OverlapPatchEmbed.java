package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Overlapped patch embedding: one 3×3 conv ({@code proj}) from the image to {@code dim} channels. */
public final class OverlapPatchEmbed extends UnaryBlock {
    private final Conv proj;

    public OverlapPatchEmbed(int inChannels, int embedDim, boolean bias) {
        proj = addChildBlock("proj", Conv.dense(inChannels, embedDim, 3, bias));
    }

    @Override
    public NDArray apply(NDArray x) {
        return proj.apply(x);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return proj.outputShape(in);
    }
}
