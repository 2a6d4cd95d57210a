package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Map;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.loss.L1Loss;
import org.kdrestore.loss.SsimLoss;
import org.kdrestore.model.NpzFixtures;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.weights.StateDictLoader;

class AdamTest {
    static final String ADAM3 = "/fixtures/student/adam3.npz";

    /** Runs 3 Adam steps (lr 1e-3) from the fixture's start and compares with torch after each. */
    static void threeStepsMatchTorch(String run, BinaryOperator<NDArray> loss) {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> all = NpzFixtures.read(m, ADAM3);
            StudentCnn net = StudentCnn.create(StudentConfig.seed(), m, 0);
            StateDictLoader.load(net, NpzFixtures.group(all, "step0"), true, "adam3.npz step0");
            NDArray x = all.get("input");
            NDArray gt = all.get("target");
            float[] torchLoss = all.get(run + "/loss").toFloatArray();
            try (Adam adam = new Adam(net.namedParameters(), Adam.Settings.of(1e-3))) {
                for (int step = 1; step <= 3; step++) {
                    adam.zeroGrad();
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        NDArray y = net.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                        NDArray l = loss.apply(y, gt);
                        assertEquals(torchLoss[step - 1], l.getFloat(), 1e-5, run + " loss before step " + step);
                        gc.backward(l);
                    }
                    adam.step();
                    Map<String, NDArray> want = NpzFixtures.group(all, run + "/step" + step);
                    for (Map.Entry<String, NDArray> e : want.entrySet()) {
                        NDArray got = net.namedParameters().get(e.getKey()).getArray();
                        double scale = e.getValue().abs().max().getFloat();
                        double diff = NpzFixtures.maxAbsDiff(got, e.getValue());
                        assertTrue(diff <= 1e-4 * scale, run + " step " + step + " " + e.getKey() + ": max |Δ| " + diff
                                + " vs scale " + scale);
                    }
                }
                assertEquals(3, adam.stepCount());
                // The check above could pass if Adam did nothing only if torch's steps were tiny: they are not.
                NDArray start = all.get("step0/middle.0.weight");
                assertTrue(NpzFixtures.maxAbsDiff(start, all.get(run + "/step3/middle.0.weight")) > 1e-3);
            }
        }
    }

    @Test
    void threeAdamStepsOnL1MatchTorchOptimAdam() {
        threeStepsMatchTorch("l1", (y, gt) -> y.sub(gt).abs().mean());
    }

    @Test
    void threeAdamStepsOnL1PlusSsimMatchTorchOptimAdam() {
        L1Loss l1 = new L1Loss();
        SsimLoss ssim = new SsimLoss();
        threeStepsMatchTorch("l1ssim", (y, gt) -> l1.forward(y, gt).add(ssim.forward(y, gt)));
    }
}
