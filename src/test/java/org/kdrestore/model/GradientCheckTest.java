package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.Ssim;

/**
 * The backward pass of the student, the teacher and the custom ops, checked without a fixture
 * machine: float64 autograd against float64 central differences (the formulas, the fast paths'
 * decisions), and float32 autograd against float64 autograd (the float32 kernels training uses:
 * this is what caught libtorch's oneDNN input-gradient bug, docs/correctness.md). Ties in
 * max-pooling and ReLU's kink, where differences are undefined, are checked against PyTorch's
 * documented choices by hand.
 */
class GradientCheckTest {
    private static int threads;

    /**
     * One intra-op thread: these are hundreds of tiny ops, for which OpenMP's hand-offs cost more
     * than they save (and with the cores busy elsewhere, far more).
     */
    @BeforeAll
    static void oneThread() {
        Engines.engine(); // loads the native library
        threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /** sum(net(x) · r): every output element gets its own weight, so no gradient cancels by symmetry. */
    private static NDArray weightedSum(Function<NDArray, NDArray> net, NDArray x, NDArray r) {
        return net.apply(x).mul(r).sum();
    }

    private static NDArray studentForward(StudentCnn net, NDArray x) {
        return net.forward(new ParameterStore(x.getManager(), false), new NDList(x), true).singletonOrThrow();
    }

    private static StudentCnn student(NDManager m, StudentConfig cfg, DataType type, StudentCnn from) {
        StudentCnn net = new StudentCnn(cfg);
        net.initialize(m, type, new Shape(1, 3, 8, 8));
        if (from == null) {
            net.initLikeTorch(5); // also for residual: a non-zero last layer, so every layer's gradient is non-zero
        } else {
            GradCheck.copyParameters(from, net);
        }
        return net;
    }

    private static void checkStudent(StudentConfig cfg) {
        try (NDManager m = Engines.newManager()) {
            SplittableRandom rng = new SplittableRandom(17);
            StudentCnn net32 = student(m, cfg, DataType.FLOAT32, null);
            StudentCnn net64 = student(m, cfg, DataType.FLOAT64, net32);
            NDArray x64 = GradCheck.random(m, rng, new Shape(2, 3, 10, 14), 0.05, 0.95, DataType.FLOAT64);
            NDArray r64 = GradCheck.random(m, rng, new Shape(2, 3, 10, 14), -1, 1, DataType.FLOAT64);
            NDArray x32 = x64.toType(DataType.FLOAT32, false);
            NDArray r32 = r64.toType(DataType.FLOAT32, false);

            double[] dx64 = GradCheck.autograd(() -> weightedSum(x -> studentForward(net64, x), x64, r64), x64);
            double[] dw64 = GradCheck.parameterGradients(net64);
            double[] dx32 = GradCheck.autograd(() -> weightedSum(x -> studentForward(net32, x), x32, r32), x32);
            double[] dw32 = GradCheck.parameterGradients(net32);

            String name = "student " + cfg;
            GradCheck.checkAgainstDifferences(name + " d/dinput", () -> weightedSum(x -> studentForward(net64, x), x64, r64),
                    x64, x64, dx64, 24, 1, 1e-6, 1e-5);
            int offset = 0;
            for (var e : org.kdrestore.weights.ParameterNames.of(net64).entrySet()) {
                NDArray p = e.getValue().getArray();
                double[] part = java.util.Arrays.copyOfRange(dw64, offset, offset + (int) p.size());
                offset += (int) p.size();
                GradCheck.checkAgainstDifferences(name + " d/d" + e.getKey(),
                        () -> weightedSum(x -> studentForward(net64, x), x64, r64), x64, p, part, 6, 2, 1e-6, 1e-5);
            }
            GradCheck.checkSingleAgainstDouble(name + " float32 d/dinput", dx32, dx64, 1e-4);
            GradCheck.checkSingleAgainstDouble(name + " float32 d/dparameters", dw32, dw64, 1e-4);
        }
    }

    @Test
    void seedStudentGradientsMatchDifferencesAndFloat64() {
        checkStudent(new StudentConfig(16, 1, "nearest", true, false));
    }

    @Test
    void residualStudentGradientsMatchDifferencesAndFloat64() {
        checkStudent(new StudentConfig(16, 1, "nearest", false, true));
    }

    @Test
    void bilinearStudentOfThePresetsWidthGradientsMatchFloat64() {
        // the presets' width: decoder conv 64->3, the shape libtorch's oneDNN got wrong
        checkStudent(new StudentConfig(64, 1, "bilinear", false, false));
    }

    @Test
    void restormerGradientsMatchDifferencesAndFloat64() {
        for (LayerNormType ln : LayerNormType.values()) {
            try (NDManager m = Engines.newManager()) {
                SplittableRandom rng = new SplittableRandom(23);
                RestormerConfig cfg = RestormerConfig.tiny(ln, true);
                Restormer net32 = Restormer.create(cfg, m);
                for (var p : org.kdrestore.weights.ParameterNames.of(net32).values()) {
                    NDArray a = p.getArray();
                    a.set(GradCheck.random(m, rng, a.getShape(), -0.2, 0.2, DataType.FLOAT32).toFloatArray());
                }
                Restormer net64 = new Restormer(cfg);
                net64.initialize(m, DataType.FLOAT64, new Shape(1, 3, 8, 8));
                GradCheck.copyParameters(net32, net64);
                NDArray x64 = GradCheck.random(m, rng, new Shape(2, 3, 16, 16), 0, 1, DataType.FLOAT64);
                NDArray r64 = GradCheck.random(m, rng, new Shape(2, 3, 16, 16), -1, 1, DataType.FLOAT64);
                NDArray x32 = x64.toType(DataType.FLOAT32, false);
                NDArray r32 = r64.toType(DataType.FLOAT32, false);
                double[] dx64 = GradCheck.autograd(() -> weightedSum(net64::apply, x64, r64), x64);
                double[] dw64 = GradCheck.parameterGradients(net64);
                double[] dx32 = GradCheck.autograd(() -> weightedSum(net32::apply, x32, r32), x32);
                double[] dw32 = GradCheck.parameterGradients(net32);
                GradCheck.checkAgainstDifferences("restormer " + ln + " d/dinput", () -> weightedSum(net64::apply, x64, r64),
                        x64, x64, dx64, 16, 3, 1e-4, 1e-5);
                for (String key : new String[] {"patch_embed.proj.weight", "encoder_level1.0.attn.temperature",
                        "down1_2.body.0.weight", "latent.0.ffn.project_in.weight", "output.weight"}) {
                    NDArray p = org.kdrestore.weights.ParameterNames.of(net64).get(key).getArray();
                    double[] part = p.getGradient().toDoubleArray();
                    GradCheck.checkAgainstDifferences("restormer " + ln + " d/d" + key,
                            () -> weightedSum(net64::apply, x64, r64), x64, p, part, 4, 4, 1e-4, 1e-5);
                }
                GradCheck.checkSingleAgainstDouble("restormer " + ln + " float32 d/dinput", dx32, dx64, 1e-4);
                GradCheck.checkSingleAgainstDouble("restormer " + ln + " float32 d/dparameters", dw32, dw64, 1e-4);
            }
        }
    }

    @Test
    void ssimGradientMatchesDifferences() {
        try (NDManager m = Engines.newManager()) {
            SplittableRandom rng = new SplittableRandom(29);
            NDArray x = GradCheck.random(m, rng, new Shape(2, 3, 16, 16), 0, 1, DataType.FLOAT64);
            NDArray y = GradCheck.random(m, rng, new Shape(2, 3, 16, 16), 0, 1, DataType.FLOAT64);
            // the float64 definition: the same op graph as the float32 loss, in float64
            Definition def = Definition.skimage(1.0);
            double[] dx = GradCheck.autograd(() -> Ssim.ssim(x, y, def), x);
            GradCheck.checkAgainstDifferences("ssim d/dx", () -> Ssim.ssim(x, y, def), x, x, dx, 24, 5, 1e-6, 1e-5);
        }
    }

    /**
     * Max-pooling with ties: PyTorch's max_pool2d sends the gradient to the first maximum of the
     * window in row-major order (it replaces the running max only on a strictly greater value).
     * Hand-made windows: all equal; top row tied; bottom row tied above a smaller top row.
     */
    @Test
    void maxPoolWithTiesSendsTheGradientToTheFirstMaximum() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.create(new float[] {
                2, 2, 5, 5, 0, 1,
                2, 2, 1, 0, 3, 3}, new Shape(1, 1, 2, 6));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                gc.backward(MaxPool2x2.apply(x).mul(m.create(new float[] {1, 10, 100}, new Shape(1, 1, 1, 3))).sum());
            }
            assertArrayEquals(new float[] {
                1, 0, 10, 0, 0, 0,
                0, 0, 0, 0, 100, 0}, x.getGradient().toFloatArray());
        }
    }

    /** ReLU at its kink: PyTorch's threshold_backward passes the gradient only where x > 0, so 0 (and -0) get 0. */
    @Test
    void reluAtZeroHasZeroGradient() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.create(new float[] {0f, -0f, 1e-30f, -1f, 2f});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                gc.backward(Activation.relu(x).mul(m.create(new float[] {3, 3, 3, 3, 3})).sum());
            }
            assertArrayEquals(new float[] {0, 0, 3, 0, 3}, x.getGradient().toFloatArray());
        }
    }
}
