package org.kdrestore.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.metric.Fixtures;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.model.Vgg16Features.Layer;
import org.kdrestore.model.Vgg16FeaturesTestAccess;

/** Golden values: the fixture script's composition of F.l1_loss, 1 - pytorch_msssim.ssim and torchvision VGG16. */
class DistillationLossTest {
    static NDManager manager;
    static Fixtures fx;
    static Fixtures vggFx;
    static Vgg16Features vgg;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        fx = new Fixtures(manager, "losses.npz");
        vggFx = new Fixtures(manager, "vgg16.npz");
        vgg = Vgg16Features.load(manager, Vgg16FeaturesTestAccess.stateDict(vggFx), Layer.RELU3_3, "vgg16.npz");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static void assertRel(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * 1e-4, "expected " + expected + " got " + actual);
    }

    @Test
    void vggFeatureLossEqualsTorchvisionForMseL1AndWithoutNormalisation() {
        NDArray pred = fx.get("pred");
        NDArray gt = fx.image("gt_u8");
        assertRel(fx.scalar("vgg_gt_mse_relu2_2_relu3_3"), new VggFeatureLoss(1, vgg,
                List.of(Layer.RELU2_2, Layer.RELU3_3), VggFeatureLoss.Criterion.MSE, true).forward(pred, gt).getFloat());
        assertRel(fx.scalar("vgg_gt_l1_relu2_2"), new VggFeatureLoss(1, vgg,
                List.of(Layer.RELU2_2), VggFeatureLoss.Criterion.L1, true).forward(pred, gt).getFloat());
        assertRel(fx.scalar("vgg_gt_mse_relu2_2_nonorm"), new VggFeatureLoss(1, vgg,
                List.of(Layer.RELU2_2), VggFeatureLoss.Criterion.MSE, false).forward(pred, gt).getFloat());
    }

    @Test
    void defaultDistillationLossEqualsTheReferenceComponentsTotalAndGradient() {
        NDArray pred = fx.get("pred").duplicate();
        pred.setRequiresGradient(true);
        DistillationLoss loss = new DistillationLoss(DistillationLossConfig.defaults(), vgg);
        LossComponents c;
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            c = loss.forward(pred, fx.image("gt_u8"), fx.get("teacher"));
            gc.backward(c.total());
        }
        for (String k : List.of("gt_l1", "gt_ssim", "gt_vgg", "teacher_l1", "teacher_ssim", "teacher_vgg")) {
            assertRel(fx.scalar("dist_" + k), c.raw().get(k.replace('_', '/')));
        }
        assertRel(fx.scalar("dist_total"), c.totalValue());
        assertEquals(c.totalValue(), c.weighted().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-6);
        NDArray want = fx.get("dist_total_grad");
        double scale = want.abs().max().getFloat();
        double err = pred.getGradient().sub(want).abs().max().getFloat();
        assertEquals(0, err / scale, 1e-4, "gradient error relative to max |gradient| " + scale);
    }

    @Test
    void aZeroWeightSkipsTheTermEntirely() {
        DistillationLossConfig cfg = new DistillationLossConfig(1, 0, 0, 0, 0.5, 0, null, null, true, 1, null);
        DistillationLoss loss = new DistillationLoss(cfg, null);
        assertEquals(List.of("gt/l1", "teacher/ssim"), loss.activeTerms());
        LossComponents c = loss.forward(fx.get("pred"), fx.image("gt_u8"), fx.get("teacher"));
        assertEquals(List.of("gt/l1", "teacher/ssim"), List.copyOf(c.raw().keySet()));
        assertRel(fx.scalar("dist_gt_l1") + 0.5 * fx.scalar("dist_teacher_ssim"), c.totalValue());
    }

    @Test
    void missingVggWeightsAreRefusedByDefault() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> new DistillationLoss(DistillationLossConfig.defaults(), null));
        assertTrue(e.getMessage().contains("VGG") && e.getMessage().contains("gt_vgg 0.1"), e.getMessage());
    }

    @Test
    void missingVggWeightsWithDisablePolicyDropTheTermAndSaySo() {
        DistillationLoss loss = new DistillationLoss(DistillationLossConfig.defaults().withOnMissingVgg("disable"), null);
        assertFalse(loss.activeTerms().contains("gt/vgg") || loss.activeTerms().contains("teacher/vgg"));
        assertEquals(1, loss.notes().size());
        assertTrue(loss.notes().get(0).contains("DISABLED"));
        assertTrue(loss.describe().contains("DISABLED"));
        LossComponents c = loss.forward(fx.get("pred"), fx.image("gt_u8"), fx.get("teacher"));
        assertEquals(loss.notes(), c.notes());
    }

    @Test
    void negativeWeightIsRefusedNamingTheKey() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> new DistillationLossConfig(1, 1, 0, -0.5, 0, 0, null, null, true, 1, null));
        assertTrue(e.getMessage().contains("teacher_l1") && e.getMessage().contains("-0.5"), e.getMessage());
    }

    @Test
    void yamlConfigUsesSnakeCaseKeysDefaultsMissingOnesAndRefusesUnknownOnes() throws Exception {
        DistillationLossConfig c = org.kdrestore.common.Json.YAML.readValue(
                "gt_vgg: 0\nteacher_ssim: 0.25\non_missing_vgg: disable\n", DistillationLossConfig.class);
        assertEquals(DistillationLossConfig.defaults().gtL1(), c.gtL1());
        assertEquals(0.0, c.gtVgg());
        assertEquals(0.25, c.teacherSsim());
        assertEquals("disable", c.onMissingVgg());
        assertEquals(List.of("relu2_2", "relu3_3"), c.vggLayers());
        assertEquals(c, org.kdrestore.common.Json.MAPPER.readValue(org.kdrestore.common.Json.write(c), DistillationLossConfig.class));
        Exception e = assertThrows(Exception.class, () -> org.kdrestore.common.Json.YAML.readValue(
                "gt_l2: 1\n", DistillationLossConfig.class));
        assertTrue(e.getMessage().contains("gt_l2"), e.getMessage());
    }
}
