package org.kdrestore.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.kdrestore.common.Engines;
import org.kdrestore.loss.DistillationLoss;
import org.kdrestore.loss.DistillationLossConfig;
import org.kdrestore.model.Flops;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.train.Adam;

/**
 * One training step as {@code train.Trainer} takes it: zero the gradients, student forward on
 * an 8×3×256×256 batch, the distillation loss (default weights: L1 + SSIM + VGG on ground truth
 * and on teacher targets; VGG at relu2_2, random frozen weights since timing does not depend on
 * them), backward, Adam update.
 */
public final class TrainStepCase implements BenchCase {
    static final int BATCH = 8;
    static final int SIDE = 256;

    private StudentCnn net;
    private Adam adam;
    private DistillationLoss loss;
    private ParameterStore ps;
    private NDArray x;
    private NDArray gt;
    private NDArray teacher;

    @Override
    public String name() {
        return "train-step";
    }

    @Override
    public boolean trains() {
        return true;
    }

    @Override
    public String description() {
        return "student train step, 8x3x256x256, Adam, L1+SSIM+VGG relu2_2 on GT and teacher";
    }

    /**
     * Convolutions only: student forward + backward (≈ 3 forwards: data and weight gradients),
     * VGG to relu2_2 forward on prediction, ground truth and teacher, and its data-gradient
     * backward on the prediction (≈ 1 forward; its weights are frozen).
     */
    @Override
    public double flops() {
        return 3 * Flops.student(StudentConfig.seed(), BATCH, SIDE, SIDE)
                + 4 * Flops.vgg16(Vgg16Features.Layer.RELU2_2, BATCH, SIDE, SIDE);
    }

    @Override
    public void setUp(NDManager manager) {
        manager.getEngine().setRandomSeed(0);
        net = StudentCnn.create(StudentConfig.seed(), manager, 0);
        Vgg16Features vgg = new Vgg16Features(Vgg16Features.Layer.RELU2_2);
        vgg.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        vgg.freezeParameters(true);
        loss = new DistillationLoss(DistillationLossConfig.defaults().withVggLayers(List.of("relu2_2"), true), vgg);
        adam = new Adam(net.namedParameters(), Adam.Settings.of(1e-4));
        ps = new ParameterStore(manager, false);
        Shape s = new Shape(BATCH, 3, SIDE, SIDE);
        gt = manager.randomUniform(0f, 1f, s);
        teacher = gt.add(manager.randomNormal(0f, 0.02f, s, DataType.FLOAT32)).clip(0f, 1f);
        x = gt.add(manager.randomNormal(0f, 0.05f, s, DataType.FLOAT32)).clip(0f, 1f);
    }

    @Override
    public void run(NDManager manager) {
        Engine engine = Engines.engine();
        // the graph and every intermediate then live in the per-run manager and are freed with it
        x.tempAttach(manager);
        gt.tempAttach(manager);
        teacher.tempAttach(manager);
        adam.zeroGrad();
        try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray y = net.forward(ps, new NDList(x), true).singletonOrThrow();
            NDArray total = loss.forward(y, gt, teacher).total();
            gc.backward(total);
            total.getFloat();
        }
        adam.step();
    }
}
