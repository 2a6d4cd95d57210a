package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

/** 1×1 convolutions as matrix products (NCHW and channels-last results) against libtorch's conv2d. */
class ConvTest {
    private static Conv initialised(NDManager m, Conv conv, int in) {
        conv.initialize(m, DataType.FLOAT32, new Shape(2, in, 9, 7));
        for (var p : conv.getParameters()) {
            NDArray a = p.getValue().getArray();
            a.set(m.randomUniform(-0.5f, 0.5f, a.getShape()).toFloatArray());
        }
        return conv;
    }

    private static NDArray reference(Conv conv, NDArray x) {
        NDArray w = conv.getParameters().get("weight").getArray();
        NDArray b = conv.getParameters().get("bias").getArray();
        return Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
    }

    private static void assertClose(NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape());
        double diff = expected.sub(actual).abs().max().getFloat();
        assertTrue(diff < 1e-6, "max |difference| = " + diff);
    }

    @Test
    void pointwiseProductEqualsConv2dForABatch() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(3);
            Conv conv = initialised(m, Conv.dense(5, 11, 1, true), 5);
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 5, 9, 7));
            assertClose(reference(conv, x), conv.apply(x));
        }
    }

    @Test
    void channelsLastResultHasTheSameValuesForARowSliceOfABatch() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(4);
            Conv conv = initialised(m, Conv.dense(5, 11, 1, true), 5);
            // a strip of rows: a non-contiguous view, as RowStrips passes it
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 5, 9, 7)).get(new NDIndex(":, :, 2:6, :"));
            NDArray y = conv.applyChannelsLast(x);
            assertClose(reference(conv, x), y);
            // and a depthwise 3x3 conv reading it gives what it gives on the NCHW result
            Conv dw = initialised(m, Conv.depthwise(11, 3, true), 11);
            assertClose(dw.apply(reference(conv, x)), dw.apply(y));
        }
    }

    @Test
    void channelsLastIsRefusedForA3x3Convolution() {
        try (NDManager m = Engines.newManager()) {
            Conv conv = initialised(m, Conv.dense(5, 11, 3, true), 5);
            NDArray x = m.zeros(new Shape(1, 5, 4, 4));
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> conv.applyChannelsLast(x));
            assertTrue(e.getMessage().contains("3x3"), e.getMessage());
        }
    }
}
