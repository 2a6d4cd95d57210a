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
