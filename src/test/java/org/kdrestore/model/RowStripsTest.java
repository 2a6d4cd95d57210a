package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

/** GDFN and MDTA's qkv on row strips (inference) against one whole pass. */
class RowStripsTest {
    private final long saved = RowStrips.stripBytes;

    @AfterEach
    void restore() {
        RowStrips.stripBytes = saved;
    }

    private static void assertStripsEqualWhole(UnaryBlock block, int channels) {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(11);
            Shape shape = new Shape(1, channels, 37, 12);
            block.initialize(m, DataType.FLOAT32, shape);
            for (var p : block.getParameters()) {
                NDArray a = p.getValue().getArray();
                a.set(m.randomUniform(-0.5f, 0.5f, a.getShape()).toFloatArray());
            }
            NDArray x = m.randomUniform(-1f, 1f, shape);
            RowStrips.stripBytes = Long.MAX_VALUE;
            NDArray whole = block.apply(x);
            // 8 rows per strip (the minimum): 5 strips, the last one 5 rows
            RowStrips.stripBytes = 1;
            NDArray strips = block.apply(x);
            assertEquals(whole.getShape(), strips.getShape());
            double diff = whole.sub(strips).abs().max().getFloat();
            assertTrue(diff < 1e-5, block.getClass().getSimpleName() + ": max |strips - whole| = " + diff);
        }
    }

    @Test
    void feedForwardOnStripsEqualsOneWholePass() {
        assertStripsEqualWhole(new FeedForward(8, 2.66, true), 8);
    }

    @Test
    void attentionWithQkvOnStripsEqualsOneWholePass() {
        assertStripsEqualWhole(new Attention(8, 2, true), 8);
    }
}
