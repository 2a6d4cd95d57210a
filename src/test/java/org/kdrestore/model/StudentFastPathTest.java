package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

class StudentFastPathTest {
    /** predict (strips, pool-before-ReLU, fused upsample+conv) against the block's plain forward. */
    private static void assertSameAsPlainForward(StudentConfig cfg, Shape shape) {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(3);
            StudentCnn net = StudentCnn.create(cfg, m, 7);
            NDArray x = m.randomUniform(0f, 1f, shape);
            NDArray fast = net.predict(x);
            NDArray plain = net.predictPlain(x);
            assertEquals(plain.getShape(), fast.getShape());
            double diff = fast.sub(plain).abs().max().getFloat();
            assertTrue(diff < 1e-5, cfg.describe() + " " + shape + ": max |fast - plain| = " + diff);
        }
    }

    @Test
    void seedStudentOverSeveralStripsEqualsPlainForward() {
        // 2·STRIP_ROWS + 30 rows: three strips, the last one short
        assertSameAsPlainForward(StudentConfig.seed(), new Shape(1, 3, 2 * StudentFastPath.STRIP_ROWS + 30, 24));
    }

    @Test
    void fixedAndResidualPresetsWithDeeperMiddleEqualPlainForward() {
        assertSameAsPlainForward(new StudentConfig(8, 2, "nearest", false, false), new Shape(2, 3, 40, 18));
        assertSameAsPlainForward(new StudentConfig(8, 1, "nearest", false, true), new Shape(1, 3, 16, 10));
    }

    @Test
    void depthZeroHasNoMiddleLayersAndBothPathsAgree() {
        StudentConfig cfg = new StudentConfig(8, 0, "nearest", false, true);
        assertSameAsPlainForward(cfg, new Shape(1, 3, 12, 14));
        try (NDManager m = Engines.newManager()) {
            StudentCnn net = StudentCnn.create(cfg, m, 0);
            assertEquals(java.util.Set.of("encoder.0.weight", "encoder.0.bias", "decoder.1.weight", "decoder.1.bias"),
                    net.namedParameters().keySet());
        }
    }

    @Test
    void oddSizesArePaddedAndCroppedLikePlainForward() {
        assertSameAsPlainForward(StudentConfig.seed(), new Shape(1, 3, 13, 21));
    }

    @Test
    void phaseWeightsFoldTheKernelRowsAndColumns() {
        try (NDManager m = Engines.newManager()) {
            // one output and one input channel, kernel values 1..9 row-major
            NDArray w = m.arange(1f, 10f).reshape(1, 1, 3, 3);
            float[] p = StudentFastPath.phaseWeights(w, m).toFloatArray();
            // phase (0,0): rows (w0, w1+w2, 0), columns likewise -> [[1, 2+3, 0], [4+7, 5+6+8+9, 0], [0, 0, 0]]
            float[] p00 = {1, 5, 0, 11, 28, 0, 0, 0, 0};
            // phase (1,1): rows (0, w0+w1, w2), columns (0, c0+c1, c2) -> [[0,0,0],[0,1+2+4+5,3+6],[0,7+8,9]]
            float[] p11 = {0, 0, 0, 0, 12, 9, 0, 15, 9};
            for (int i = 0; i < 9; i++) {
                assertEquals(p00[i], p[i], "phase (0,0) at " + i);
                assertEquals(p11[i], p[27 + i], "phase (1,1) at " + i);
            }
        }
    }
}
