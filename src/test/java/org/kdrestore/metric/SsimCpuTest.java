package org.kdrestore.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

/** The plain-Java metric path (no gradient) against the engine path (taken when a gradient is wanted). */
class SsimCpuTest {
    private static void assertSameAsEngine(Shape shape) {
        assertSameAsEngine(shape, Definition.pytorchMsssim(1));
    }

    private static void assertSameAsEngine(Shape shape, Definition def) {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(5);
            NDArray x = m.randomUniform(0f, 1f, shape);
            NDArray y = x.add(m.randomNormal(0f, 0.1f, shape, DataType.FLOAT32)).clip(0f, 1f);
            NDArray[] cpu = Ssim.ssimAndCs(x, y, def);
            NDArray xg = x.duplicate();
            xg.setRequiresGradient(true);
            assertTrue(xg.hasGradient());
            NDArray[] engine = Ssim.ssimAndCs(xg, y, def);
            float[] a = cpu[0].toFloatArray();
            float[] b = engine[0].toFloatArray();
            float[] ca = cpu[1].toFloatArray();
            float[] cb = engine[1].toFloatArray();
            assertEquals(b.length, a.length);
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 2e-6, "ssim " + shape + " at " + i);
                assertEquals(cb[i], ca[i], 2e-6, "cs " + shape + " at " + i);
            }
        }
    }

    @Test
    void batchOfImagesEqualsEnginePath() {
        assertSameAsEngine(new Shape(2, 3, 70, 45));
    }

    @Test
    void sidesShorterThanTheWindowAreNotFilteredOnThatAxisLikeTheEngine() {
        assertSameAsEngine(new Shape(1, 3, 8, 30));
        assertSameAsEngine(new Shape(1, 1, 40, 6));
    }

    @Test
    void aWindowOtherThan11TakesTheTapByTapLoopAndEqualsTheEngine() {
        Definition d = Definition.pytorchMsssim(1);
        Definition seven = new Definition(d.name(), 7, 1.0, d.k1(), d.k2(), d.dataRange(), d.padding(), d.channels(), d.dtype());
        assertSameAsEngine(new Shape(1, 3, 40, 37), seven);
    }

    @Test
    void singleImageChwEqualsEnginePath() {
        assertSameAsEngine(new Shape(3, 33, 50));
    }

    @Test
    void anIntermediateResultInsideAGradientCollectorGetsTheSsimGradient() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(6);
            NDArray p = m.randomUniform(0f, 1f, new Shape(1, 3, 24, 24));
            NDArray t = m.randomUniform(0f, 1f, new Shape(1, 3, 24, 24));
            p.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector gc = Engines.engine().newGradientCollector()) {
                // p.mul(1) is not a leaf: DJL's hasGradient() is false for it, the engine path must still be taken
                gc.backward(Ssim.ssim(p.mul(1f), t, Definition.pytorchMsssim(1)));
            }
            assertTrue(p.getGradient().abs().sum().getFloat() > 0, "SSIM gave no gradient");
        }
    }
}
