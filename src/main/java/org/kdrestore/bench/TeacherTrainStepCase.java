package org.kdrestore.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.kdrestore.common.Checkout;
import org.kdrestore.common.Engines;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.model.Flops;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.train.Adam;
import org.kdrestore.train.TeacherTrainConfig;
import org.kdrestore.train.TeacherTrainer;
import org.kdrestore.train.TrainConfig;

/**
 * One step of {@code teacher train} as {@code train.TeacherTrainer} takes it, with its default
 * recipe ({@link TeacherTrainConfig#restormerS()}: batch 8 of 128×128 crops, L1, Adam) on the
 * shipped compact teacher's architecture ({@code models/restormer-s/arch.json}), random weights:
 * zero the gradients, forward, loss, backward, Adam update.
 */
public final class TeacherTrainStepCase implements BenchCase {
    private final RestormerConfig config;
    private final TrainConfig.Train recipe = TeacherTrainConfig.restormerS().train();
    private final TeacherTrainConfig.Loss loss = TeacherTrainConfig.restormerS().loss();
    private Restormer net;
    private Adam adam;
    private NDArray x;
    private NDArray gt;

    public TeacherTrainStepCase() {
        config = TeacherResolver.readConfig(Checkout.home().resolve(TeacherResolver.COMPACT_DIR).resolve("arch.json"));
    }

    @Override
    public String name() {
        return "teacher-train-step";
    }

    @Override
    public String description() {
        return "compact teacher (" + TeacherResolver.COMPACT_DIR + ", dim " + config.dim() + ") train step, " + recipe.batchSize()
                + "x3x" + recipe.crop() + "x" + recipe.crop() + ", " + loss.kind() + ", Adam";
    }

    @Override
    public boolean trains() {
        return true;
    }

    /** Forward, and backward as two more forwards (data and weight gradients). */
    @Override
    public double flops() {
        return 3 * Flops.restormer(config, recipe.batchSize(), recipe.crop(), recipe.crop());
    }

    @Override
    public void setUp(NDManager manager) {
        manager.getEngine().setRandomSeed(0);
        net = TeacherTrainer.create(config, manager, 0);
        adam = new Adam(org.kdrestore.weights.ParameterNames.of(net), Adam.Settings.of(recipe.lr()));
        Shape s = new Shape(recipe.batchSize(), 3, recipe.crop(), recipe.crop());
        gt = manager.randomUniform(0f, 1f, s);
        x = gt.add(manager.randomNormal(0f, 0.05f, s, DataType.FLOAT32)).clip(0f, 1f);
    }

    @Override
    public void run(NDManager manager) {
        x.tempAttach(manager);
        gt.tempAttach(manager);
        adam.zeroGrad();
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray l = loss.of(net.apply(x), gt);
            gc.backward(l);
            l.getFloat();
        }
        adam.step();
    }
}
