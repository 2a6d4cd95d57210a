package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.loss.DistillationLoss;
import org.kdrestore.loss.DistillationLossConfig;

/**
 * DJL's {@code mul(Number)} builds its scalar on a Java direct buffer and frees it right after
 * the op, although autograd reads it in backward; once the GC ran and the memory is reused,
 * the gradient is garbage. The training loss (L1 + SSIM, weighted) must give the same gradient
 * whether or not the GC ran and memory was reused between forward and backward. (With
 * {@code value.mul((float) w)} in DistillationLoss and {@code .mul(2)} in Ssim this fails with
 * NaN or 1e30-sized gradients.)
 */
class LossGradientAfterGcTest {
    static float[] gradient(boolean churn) {
        try (NDManager m = Engines.newManager()) {
            SplittableRandom r = new SplittableRandom(1);
            float[] a = new float[2 * 3 * 24 * 24];
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextDouble();
                b[i] = (float) r.nextDouble();
            }
            NDArray pred = m.create(a, new Shape(2, 3, 24, 24));
            NDArray gt = m.create(b, new Shape(2, 3, 24, 24));
            pred.setRequiresGradient(true);
            DistillationLoss loss = new DistillationLoss(
                    new DistillationLossConfig(2.5, 1.5, 0, 0, 0, 0, null, null, true, 1.0, "disable"), null);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                NDArray total = loss.forward(pred, gt, null).total();
                if (churn) {
                    for (int round = 0; round < 5; round++) {
                        System.gc();
                        for (int i = 0; i < 2000; i++) {
                            m.create(new float[] {Float.NaN}).close();
                            m.create(1e30f).close();
                        }
                    }
                }
                gc.backward(total);
            }
            return pred.getGradient().toFloatArray();
        }
    }

    @Test
    void lossGradientIsTheSameWhenTheGcRunsBetweenForwardAndBackward() {
        float[] reference = gradient(false);
        for (boolean churn : new boolean[] {true, false, true}) {
            float[] g = gradient(churn);
            for (int i = 0; i < g.length; i += 97) {
                assertEquals(reference[i], g[i], 0f, "gradient element " + i + (churn ? " after GC and memory reuse" : ""));
            }
        }
    }
}
