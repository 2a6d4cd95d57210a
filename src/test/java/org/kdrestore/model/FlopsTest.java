package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FlopsTest {
    @Test
    void seedStudentAt1080pCountsItsThreeConvolutions() {
        // encoder 2·3·9·64·1080·1920  =  7,166,361,600
        // middle  2·64·9·64·540·960   = 38,220,595,200
        // decoder 2·64·9·3·1080·1920  =  7,166,361,600
        assertEquals(52_553_318_400.0, Flops.studentPer1080p(StudentConfig.seed()));
        // odd sides are padded by one first: 3x5 runs as 4x6
        assertEquals(Flops.student(StudentConfig.seed(), 2, 4, 6), Flops.student(StudentConfig.seed(), 2, 3, 5));
    }

    @Test
    void vggToRelu22CountsFourConvolutions() {
        // 2·9·(3·64 + 64·64)·256² + 2·9·(64·128 + 128·128)·128²
        double expected = 2.0 * 9 * (3 * 64 + 64 * 64) * 256 * 256 + 2.0 * 9 * (64 * 128 + 128 * 128) * 128 * 128;
        assertEquals(expected, Flops.vgg16(Vgg16Features.Layer.RELU2_2, 1, 256, 256));
    }

    /**
     * Golden values from forward hooks on upstream's modules (Conv2d from weight and output shape,
     * the two attention products from Attention's input), printed by
     * {@code /usr/bin/python3 tools/bench_torch.py --restormer-src DIR --count-flops MODEL H W}.
     */
    @Test
    void restormerMatchesTheCountOnUpstreamModules() {
        RestormerConfig full = RestormerConfig.motionDeblurring();
        RestormerConfig tiny = RestormerConfig.tiny(LayerNormType.WITH_BIAS, false);
        assertEquals(2_468_432_378_880.0, Flops.restormer(full, 1, 544, 960));
        assertEquals(309_764_063_232.0, Flops.restormer(full, 1, 256, 256));
        assertEquals(2_776_113_152.0, Flops.restormer(tiny, 1, 256, 256));
        assertEquals(16_266_288.0, Flops.restormer(tiny, 1, 16, 24));
        // 540 rows are padded to 544 as inference does
        assertEquals(Flops.restormer(full, 1, 544, 960), Flops.restormer(full, 1, 540, 960));
    }
}
