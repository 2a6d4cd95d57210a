package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Bf16;
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

    /** The output and every parameter's gradient of sum(net(x) · r): through the block's forward, or {@link StudentFastPath#trainingForward}. */
    private static Map<String, NDArray> outputAndGradients(StudentCnn net, NDArray x, NDArray r, boolean trainingForward) {
        Map<String, NDArray> out = new TreeMap<>();
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray y = trainingForward ? StudentFastPath.trainingForward(net, x)
                    : net.forward(new ParameterStore(x.getManager(), false), new NDList(x), true).singletonOrThrow();
            out.put("output", y.stopGradient());
            gc.backward(y.mul(r).sum());
        }
        net.namedParameters().forEach((name, p) -> out.put(name, p.getArray().getGradient().duplicate()));
        return out;
    }

    /**
     * Every entry of {@code got} against {@code want}: max |a − b| / max |b| at most {@code tolerance}, or with
     * {@code l2} ‖a − b‖₂ / ‖b‖₂ (see {@link Vgg16FeaturesTest#relativeL2} for why, through ReLUs and pooling).
     */
    private static void assertAllClose(Map<String, NDArray> want, Map<String, NDArray> got, double tolerance, boolean l2, String what) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            if (l2) {
                double err = Vgg16FeaturesTest.relativeL2(got.get(k), want.get(k));
                assertTrue(err <= tolerance, what + " " + k + ": relative L2 error " + err);
            } else {
                double scale = want.get(k).abs().max().getFloat();
                double err = got.get(k).sub(want.get(k)).abs().max().getFloat();
                assertTrue(err <= tolerance * scale, what + " " + k + ": max error " + err + " of " + scale);
            }
        }
    }

    /**
     * bfloat16 training's forward (pool before ReLU, nearest upsampling folded into the phase
     * convolution) is the block's function: in float32 the output and the gradient of every
     * parameter agree with the block's forward to float32 rounding.
     */
    @Test
    void theTrainingForwardHasTheBlocksOutputAndGradients() {
        for (StudentConfig cfg : new StudentConfig[] {StudentConfig.seed(), new StudentConfig(8, 2, "nearest", false, true)}) {
            try (NDManager m = Engines.newManager()) {
                m.getEngine().setRandomSeed(11);
                NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 12, 10));
                NDArray r = m.randomUniform(-1f, 1f, new Shape(2, 3, 12, 10));
                Map<String, NDArray> plain = outputAndGradients(StudentCnn.create(cfg, m, 5), x, r, false);
                Map<String, NDArray> fused = outputAndGradients(StudentCnn.create(cfg, m, 5), x, r, true);
                assertAllClose(plain, fused, 1e-5, false, cfg.describe());
            }
        }
    }

    /**
     * Under a bf16 scope the block's forward takes that path, within bfloat16's rounding of float32:
     * the output, and the gradients of the last (phase) convolution, which only a Sigmoid follows
     * ({@code seed-fixed}). The encoder's and middle's gradients pass max-pooling and ReLUs, where
     * bfloat16 rounding moves near-ties and near-zeros (about 10% in L2 here, as PyTorch's own
     * bfloat16 shows for VGG: Vgg16FeaturesTest); each of their convolutions is checked against
     * float64 by ConvGradientCheck instead, and the fused function's gradients by the test above.
     */
    @Test
    void inABf16ScopeTheForwardIsTheFusedOneInBf16() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(12);
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 16, 14));
            NDArray r = m.randomUniform(-1f, 1f, new Shape(2, 3, 16, 14));
            StudentConfig cfg = StudentConfig.preset("seed-fixed");
            Map<String, NDArray> f32 = outputAndGradients(StudentCnn.create(cfg, m, 5), x, r, false);
            Map<String, NDArray> bf16;
            try (Bf16.Scope on = Bf16.scope()) {
                bf16 = outputAndGradients(StudentCnn.create(cfg, m, 5), x, r, false);
            }
            f32.keySet().retainAll(java.util.Set.of("output", "decoder.1.weight", "decoder.1.bias"));
            bf16.keySet().retainAll(f32.keySet());
            assertAllClose(f32, bf16, 2e-2, true, "bf16 against float32");
            double diff = bf16.get("output").sub(f32.get("output")).abs().max().getFloat();
            assertTrue(diff > 1e-6, "the bf16 scope changed nothing: the products did not run in bfloat16");
        }
    }
}
