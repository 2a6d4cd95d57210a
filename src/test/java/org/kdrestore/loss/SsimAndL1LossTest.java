package org.kdrestore.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.metric.Fixtures;

/** Golden values: torch l1_loss and 1 - pytorch_msssim.ssim, with torch autograd gradients. */
class SsimAndL1LossTest {
    static NDManager manager;
    static Fixtures fx;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        fx = new Fixtures(manager, "losses.npz");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static void assertRel(double expected, double actual, double rel) {
        assertEquals(expected, actual, Math.abs(expected) * rel, "expected " + expected + " got " + actual);
    }

    @Test
    void l1LossEqualsTorchL1Loss() {
        NDArray v = new L1Loss().forward(fx.get("pred"), fx.image("gt_u8"));
        assertRel(fx.scalar("l1_gt"), v.getFloat(), 1e-4);
    }

    @Test
    void ssimLossIsOneMinusPytorchMsssimAndItsGradientMatchesTorchAutograd() {
        NDArray pred = fx.get("pred").duplicate();
        NDArray gt = fx.image("gt_u8");
        pred.setRequiresGradient(true);
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray loss = new SsimLoss().forward(pred, gt);
            assertRel(fx.scalar("ssim_gt"), loss.getFloat(), 1e-4);
            gc.backward(loss);
        }
        NDArray grad = pred.getGradient();
        NDArray want = fx.get("ssim_gt_grad");
        double scale = want.abs().max().getFloat();
        double err = grad.sub(want).abs().max().getFloat();
        assertEquals(0, err / scale, 1e-4, "max gradient error relative to max |gradient| " + scale);
    }

    @Test
    void weightScalesTheWeightedValueOnly() {
        NDArray p = fx.get("pred");
        NDArray t = fx.image("gt_u8");
        L1Loss l = new L1Loss(0.25);
        assertEquals(0.25 * l.forward(p, t).getFloat(), l.weighted(p, t).getFloat(), 1e-7);
    }

    @Test
    void shapeMismatchIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new L1Loss().forward(manager.zeros(new Shape(1, 3, 4, 4)), manager.zeros(new Shape(1, 3, 4, 5))));
    }

    @Test
    void perfectPredictionHasZeroLosses() {
        NDArray t = fx.image("gt_u8");
        assertEquals(0f, new L1Loss().forward(t, t).getFloat(), 0f);
        assertArrayEquals(new float[] {0f}, new float[] {new SsimLoss().forward(t, t).getFloat()}, 1e-6f);
    }
}
