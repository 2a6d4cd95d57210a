package org.kdrestore.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.kdrestore.model.Flops;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;

/** The seed student on one 1920×1080 frame, inference only. */
public final class StudentInferenceCase implements BenchCase {
    private StudentCnn net;
    private NDArray x;

    @Override
    public String name() {
        return "student-1080p";
    }

    @Override
    public String description() {
        return "student (seed, width 64) inference on 1x3x1080x1920";
    }

    @Override
    public double flops() {
        return Flops.student(StudentConfig.seed(), 1, 1080, 1920);
    }

    @Override
    public void setUp(NDManager manager) {
        manager.getEngine().setRandomSeed(0);
        net = StudentCnn.create(StudentConfig.seed(), manager, 0);
        x = manager.randomUniform(0f, 1f, new Shape(1, 3, 1080, 1920));
    }

    @Override
    public void run(NDManager manager) {
        x.tempAttach(manager); // every intermediate then lives in the per-run manager and is freed with it
        NDArray y = net.predict(x);
        y.getFloat(0, 0, 0, 0);
    }
}
