package org.kdrestore.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bfloat16 products against float64 (the independent reference: libtorch's float64 kernels,
 * which oneDNN does not serve) and against the CPU's own feature flags.
 */
class Bf16Test {
    /** float64 conv2d, stride 1, padding k/2. */
    private static NDArray reference(NDArray x, NDArray w, NDArray b, int groups) {
        int pad = (int) w.getShape().get(2) / 2;
        return Conv2d.conv2d(x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true),
                b == null ? null : b.toType(DataType.FLOAT64, true), new Shape(1, 1), new Shape(pad, pad), new Shape(1, 1), groups)
                .singletonOrThrow();
    }

    /** max |a − ref| / max |ref|. */
    private static double relativeError(NDArray a, NDArray ref) {
        double scale = ref.abs().max().getDouble();
        return a.toType(DataType.FLOAT64, true).sub(ref).abs().max().getDouble() / scale;
    }

    @Test
    void theEngineRefusesBf16ExactlyWhereTheCpuLacksOneDnnsBf16Features() {
        Set<String> f = CpuInfo.flags();
        org.junit.jupiter.api.Assumptions.assumeFalse(f.isEmpty(), "no /proc/cpuinfo flags on this machine");
        org.junit.jupiter.api.Assumptions.assumeTrue("cpu".equals(Engines.device().getDeviceType()), "not on a CPU");
        // oneDNN's condition for bfloat16 kernels, as libtorch states it in its refusal
        boolean cpuHasBf16 = f.containsAll(Set.of("avx512bw", "avx512vl", "avx512dq")) || f.contains("avx_ne_convert");
        Optional<String> reason = Bf16.unsupportedReason();
        assertEquals(!cpuHasBf16, reason.isPresent(), reason.orElse("supported") + "; " + CpuInfo.bf16Flags());
        reason.ifPresent(r -> assertTrue(r.contains(CpuInfo.model()) && r.contains("bf16 path needs"), r));
    }

    @Test
    void aConvolutionInBf16AgreesWithFloat64ToBf16RoundingAndIsNotFloat32() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(3);
            for (int[] c : new int[][] {{3, 16, 1}, {16, 3, 1}, {8, 8, 8}}) { // in, out, groups
                NDArray x = m.randomUniform(-1f, 1f, new Shape(2, c[0], 9, 10));
                NDArray w = m.randomUniform(-0.5f, 0.5f, new Shape(c[1], c[0] / c[2], 3, 3));
                NDArray b = m.randomUniform(-0.5f, 0.5f, new Shape(c[1]));
                NDArray ref = reference(x, w, b, c[2]);
                NDArray bf = Bf16.conv2d(x, w, b);
                assertEquals(DataType.FLOAT32, bf.getDataType());
                double bfError = relativeError(bf, ref);
                double f32Error = relativeError(Convolution.conv2d(x, w, b, 1, 1, c[2]), ref);
                String what = c[0] + "->" + c[1] + " groups " + c[2];
                // 8 significant bits: operands off by up to 2^-9 each
                assertTrue(bfError < 1e-2, what + ": bf16 error " + bfError);
                // and it did run in bfloat16: far above float32's rounding
                assertTrue(bfError > 100 * f32Error && bfError > 1e-4, what + ": bf16 " + bfError + " vs float32 " + f32Error);
                NDArray noBias = Bf16.conv2d(x, w, null);
                assertTrue(relativeError(noBias, reference(x, w, null, c[2])) < 1e-2, what + " without bias");
            }
        }
    }

    @Test
    void aMatrixProductInBf16AgreesWithFloat64ToBf16Rounding() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(4);
            NDArray a = m.randomUniform(-1f, 1f, new Shape(2, 3, 5, 40));
            NDArray b = m.randomUniform(-1f, 1f, new Shape(2, 3, 40, 6));
            NDArray ref = a.toType(DataType.FLOAT64, true).matMul(b.toType(DataType.FLOAT64, true));
            double e = relativeError(Bf16.matMul(a, b), ref);
            assertTrue(e < 1e-2 && e > 1e-4, "bf16 matmul error " + e);
        }
    }

    /** The gradients of sum(f(x, w, wd) · r) with respect to x, w and wd, each in float64. */
    private static NDArray[] gradients(java.util.function.Function<NDArray[], NDArray> f, NDArray r, NDArray... in) {
        for (NDArray a : in) {
            a.setRequiresGradient(true);
        }
        try (ai.djl.training.GradientCollector gc = Engines.engine().newGradientCollector()) {
            // (no toType on the way: DJL's cast does not record a gradient)
            gc.backward(f.apply(in).mul(r.toType(in[0].getDataType(), false)).sum());
        }
        NDArray[] g = new NDArray[in.length];
        for (int i = 0; i < in.length; i++) {
            g[i] = in[i].getGradient().toType(DataType.FLOAT64, true);
        }
        return g;
    }

    /**
     * The teacher's 1x1-then-depthwise pair as one bfloat16 call: its output and the gradients of
     * input, 1x1 weight and depthwise weight against the two convolutions in float64.
     */
    @Test
    void thePointwiseThenDepthwisePairInBf16AgreesWithFloat64() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(8);
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 8, 6, 7));
            NDArray w = m.randomUniform(-0.5f, 0.5f, new Shape(24, 8, 1, 1));
            NDArray wd = m.randomUniform(-0.5f, 0.5f, new Shape(24, 1, 3, 3));
            NDArray r = m.randomUniform(-1f, 1f, new Shape(2, 24, 6, 7));
            java.util.function.Function<NDArray[], NDArray> f64 = a -> Conv2d.conv2d(Conv2d.conv2d(a[0], a[1], null, new Shape(1, 1),
                    new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow(), a[2], null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 24)
                    .singletonOrThrow();
            java.util.function.Function<NDArray[], NDArray> bf16 = a -> Bf16.pointwiseDepthwise(a[0], a[1], a[2]);
            NDArray ref = f64.apply(new NDArray[] {x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true),
                    wd.toType(DataType.FLOAT64, true)});
            NDArray got = bf16.apply(new NDArray[] {x, w, wd});
            assertEquals(new Shape(2, 24, 6, 7), got.getShape());
            double e = relativeError(got, ref);
            assertTrue(e < 1e-2 && e > 1e-4, "bf16 pointwise+depthwise error " + e);
            NDArray[] gRef = gradients(f64, r, x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true),
                    wd.toType(DataType.FLOAT64, true));
            NDArray[] gBf16 = gradients(bf16, r, x.duplicate(), w.duplicate(), wd.duplicate());
            String[] names = {"input", "1x1 weight", "depthwise weight"};
            for (int i = 0; i < names.length; i++) {
                double ge = relativeError(gBf16[i], gRef[i]);
                assertTrue(ge < 3e-2, names[i] + " gradient error " + ge);
            }
        }
    }

    @Test
    void aFrozenWeightsCastCopyGivesTheSameResultAsCastingEachCall() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(5);
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 4, 6, 6));
            NDArray w = m.randomUniform(-0.5f, 0.5f, new Shape(16, 4, 3, 3));
            NDArray b = m.randomUniform(-0.5f, 0.5f, new Shape(16));
            NDArray once = Bf16.conv2d(x, Bf16.castFrozen(w), Bf16.castFrozen(b));
            assertEquals(Bf16.conv2d(x, w, b), once);
        }
    }

    @Test
    void aScopeIsPerThreadAndRestoresWhatWasBefore() throws Exception {
        assertFalse(Bf16.active());
        try (Bf16.Scope outer = Bf16.scope()) {
            assertTrue(Bf16.active());
            boolean[] elsewhere = new boolean[1];
            Thread t = new Thread(() -> elsewhere[0] = Bf16.active());
            t.start();
            t.join();
            assertFalse(elsewhere[0], "another thread is not in the scope");
            try (Bf16.Scope off = Bf16.scope(false)) {
                assertTrue(Bf16.active(), "a scope(false) leaves an enclosing scope on");
            }
            assertTrue(Bf16.active());
        }
        assertFalse(Bf16.active());
    }
}
