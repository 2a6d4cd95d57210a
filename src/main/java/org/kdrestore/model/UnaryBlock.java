package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

/**
 * A block with one tensor in and one out, like most {@code nn.Module}s. Its parameters carry
 * explicit shapes (no shape inference), so initialising only has to reach every child; the
 * parameters are read straight from the block, which lives on the device it was initialised on.
 */
public abstract class UnaryBlock extends AbstractBlock {

    /** The forward pass; intermediates are attached to {@code x}'s manager. */
    public abstract NDArray apply(NDArray x);

    /** Output shape for an input shape (used by DJL's SequentialBlock while initialising). */
    protected Shape outputShape(Shape input) {
        return input;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(inputShapes[0])};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // Parameter shapes are explicit, so any input shape will do for the children.
        for (Pair<String, Block> child : children) {
            child.getValue().initialize(manager, dataType, inputShapes);
        }
    }
}
