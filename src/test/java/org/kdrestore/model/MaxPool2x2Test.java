package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

class MaxPool2x2Test {
    @Test
    void handWorkedExampleDropsTheOddLastRowAndColumn() {
        try (NDManager m = Engines.newManager()) {
            // 1x1x3x5: rows 0-1 pool to two outputs; row 2 and column 4 are dropped (floor mode)
            NDArray x = m.create(new float[] {
                1, 5, 2, 0, 9,
                3, 4, 8, 7, 9,
                9, 9, 9, 9, 9}, new Shape(1, 1, 3, 5));
            NDArray y = MaxPool2x2.apply(x);
            assertEquals(new Shape(1, 1, 1, 2), y.getShape());
            assertArrayEquals(new float[] {5, 8}, y.toFloatArray());
        }
    }

    @Test
    void equalsTheEnginePoolingOnOddSizedBatchesAndChwInput() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(2);
            for (Shape s : new Shape[] {new Shape(2, 3, 9, 14), new Shape(1, 4, 10, 7), new Shape(3, 8, 11)}) {
                NDArray x = m.randomUniform(-1f, 1f, s);
                NDArray x4 = s.dimension() == 3 ? x.expandDims(0) : x; // DJL's pooling wants NCHW
                NDArray expected = Pool.maxPool2d(x4, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
                if (s.dimension() == 3) {
                    expected = expected.squeeze(0);
                }
                NDArray got = MaxPool2x2.apply(x);
                assertEquals(expected.getShape(), got.getShape(), s.toString());
                assertArrayEquals(expected.toFloatArray(), got.toFloatArray(), 0f, s.toString());
            }
        }
    }

    @Test
    void withAGradientTheEnginePoolingRoutesItToTheArgmax() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.create(new float[] {1, 5, 3, 4}, new Shape(1, 1, 2, 2));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(MaxPool2x2.apply(x).sum());
            }
            assertArrayEquals(new float[] {0, 1, 0, 0}, x.getGradient().toFloatArray());
        }
    }
}
