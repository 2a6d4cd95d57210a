package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Convolution;
import org.kdrestore.common.Engines;
import org.kdrestore.model.Conv;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;

class ConvGradientCheckTest {
    /** Every convolution kind of the student presets and of both Restormer configs passes on this machine. */
    @Test
    void theProjectsConvolutionsPassTheCheckOnThisMachine() {
        try (NDManager m = Engines.newManager()) {
            for (String preset : StudentConfig.PRESETS) {
                ConvGradientCheck.verify(StudentCnn.create(StudentConfig.preset(preset), m, 0));
            }
            Set<Conv.Signature> teacher = Conv.signaturesIn(Restormer.create(RestormerConfig.motionDeblurring(), m));
            assertTrue(teacher.contains(new Conv.Signature(96, 3, 3, 1)), "the official output conv: " + teacher);
            assertTrue(teacher.contains(new Conv.Signature(48, 24, 3, 1)), "the official down1_2 conv: " + teacher);
            ConvGradientCheck.verify(teacher, ConvGradientCheck.PROJECT, false);
        }
    }

    /** Shapes with an output-channel tail, the ones libtorch's oneDNN path got wrong, and some without. */
    @Test
    void tailShapesAgreeWithFloat64() {
        int[][] shapes = {{64, 3}, {64, 8}, {32, 3}, {16, 8}, {48, 24}, {8, 8}, {4, 4}, {64, 17}, {24, 40}, {3, 64}, {64, 64}};
        for (int[] s : shapes) {
            assertNull(ConvGradientCheck.compare(new Conv.Signature(s[0], s[1], 3, 1), ConvGradientCheck.PROJECT), s[0] + "->" + s[1]);
        }
        assertNull(ConvGradientCheck.compare(new Conv.Signature(24, 24, 3, 24), ConvGradientCheck.PROJECT), "depthwise");
    }

    /**
     * A float32 convolution whose forward is right but whose input gradient is doubled (as the
     * engine's bug: float32 only) is caught, with the shape named.
     */
    @Test
    void aWrongInputGradientStopsWithTheShapeCpuAndEngineNamed() {
        ConvGradientCheck.ConvFunction broken = (x, w, b, pad, groups) -> Convolution.conv2d(
                x.getDataType() == DataType.FLOAT32 ? x.mul(2).sub(x.stopGradient()) : x, w, b, pad, pad, groups);
        var e = assertThrows(ConvGradientCheck.EngineGradientError.class,
                () -> ConvGradientCheck.verify(List.of(new Conv.Signature(16, 3, 3, 1)), broken, false));
        assertTrue(e.getMessage().contains("3x3 conv 16->3"), e.getMessage());
        assertTrue(e.getMessage().contains("input gradient"), e.getMessage());
        assertTrue(e.getMessage().contains(org.kdrestore.common.CpuInfo.model()), e.getMessage());
        assertTrue(e.getMessage().contains("PyTorch"), e.getMessage());
    }

    /** The bfloat16 path (train.precision bf16) against float64, at bfloat16's tolerance, tail shapes included. */
    @Test
    void theBf16PathsGradientsAgreeWithFloat64() {
        int[][] shapes = {{3, 64, 1}, {64, 64, 1}, {64, 3, 1}, {64, 12, 1}, {16, 8, 1}, {24, 24, 24}};
        for (int[] s : shapes) {
            Conv.Signature sig = new Conv.Signature(s[0], s[1], 3, s[2]);
            String failure = ConvGradientCheck.compare(sig, ConvGradientCheck.PROJECT_BF16, DataType.FLOAT32,
                    ConvGradientCheck.BF16_TOLERANCE);
            if (failure != null && org.kdrestore.common.Bf16.unsupportedReason().isEmpty()) {
                // oneDNN's own bfloat16 kernels (not verified on such a CPU when this was written): training refuses
                // bf16 here with this message, which is what a user sees; the test cannot check more
                org.junit.jupiter.api.Assumptions.abort("this CPU's bfloat16 kernels give wrong gradients for " + sig + ": " + failure);
            }
            assertNull(failure, sig.toString());
        }
    }

    /** A bfloat16 input gradient off by 10% (well above bfloat16's rounding) is caught at its tolerance. */
    @Test
    void aWrongBf16InputGradientIsCaught() {
        ConvGradientCheck.ConvFunction broken = (x, w, b, pad, groups) ->
                Convolution.conv2dBf16(x.mul(1.1f).sub(x.stopGradient().mul(0.1f)), w, b);
        String failure = ConvGradientCheck.compare(new Conv.Signature(8, 16, 3, 1), broken, DataType.FLOAT32,
                ConvGradientCheck.BF16_TOLERANCE);
        assertTrue(failure != null && failure.contains("input gradient"), String.valueOf(failure));
    }

    @Test
    void aNanGradientIsReportedAsSuch() {
        ConvGradientCheck.ConvFunction nan = (x, w, b, pad, groups) ->
                Convolution.conv2d(x.getDataType() == DataType.FLOAT32 ? x.sqrt().mul(0).add(x) : x, w, b, pad, pad, groups);
        String failure = ConvGradientCheck.compare(new Conv.Signature(4, 16, 3, 1), nan);
        assertTrue(failure != null && failure.contains("NaN"), String.valueOf(failure));
    }

    @Test
    void signaturesAreCollectedOncePerKind() {
        try (NDManager m = Engines.newManager()) {
            Set<Conv.Signature> s = Conv.signaturesIn(StudentCnn.create(new StudentConfig(8, 2, "nearest", false, true), m, 0));
            assertEquals(List.of(new Conv.Signature(3, 8, 3, 1), new Conv.Signature(8, 8, 3, 1), new Conv.Signature(8, 3, 3, 1)),
                    List.copyOf(s));
        }
    }

    /** bf16 training runs the seed student's last convolution as the phase convolution (64 -> 12): the check covers it. */
    @Test
    void theBf16CheckCoversThePhaseConvolutionOfTheStudent() {
        try (ai.djl.ndarray.NDManager m = org.kdrestore.common.Engines.newManager()) {
            org.kdrestore.model.StudentCnn net = org.kdrestore.model.StudentCnn.create(org.kdrestore.model.StudentConfig.seed(), m, 0);
            java.util.Set<Conv.Signature> kinds = net.signaturesTrainedInBf16();
            assertTrue(kinds.contains(new Conv.Signature(64, 12, 3, 1)), kinds.toString());
            assertFalse(kinds.contains(new Conv.Signature(64, 3, 3, 1)), kinds.toString());
        }
    }
}
