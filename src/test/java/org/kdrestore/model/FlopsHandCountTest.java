package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.weights.ParameterNames;

/** Hand counts and a count from the model's own parameter shapes (moved here from report with the single Flops). */
class FlopsHandCountTest {
    @Test
    void seedStudentOn1080pMatchesTheHandCount() {
        // Seed student (width 64, depth 1) on 1080x1920, 2 FLOPs per multiply-add:
        //   encoder conv 3→64, 3x3, at 1080x1920: 2·3·64·9 · 2,073,600 =  7,166,361,600
        //   middle  conv 64→64, 3x3, at 540x960:  2·64·64·9 · 518,400 = 38,220,595,200
        //   decoder conv 64→3, 3x3, at 1080x1920: 2·64·3·9 · 2,073,600 =  7,166,361,600
        //   total                                                      = 52,553,318,400
        assertEquals(52_553_318_400.0, Flops.student(StudentConfig.seed(), 1, 1080, 1920));
        assertEquals(38_220_595_200.0, Flops.conv(64, 64, 3, 1, 540, 960));
    }

    @Test
    void studentDepthAddsMiddleConvsAndOddSidesArePadded() {
        StudentConfig deeper = new StudentConfig(16, 3, "nearest", false, false);
        // 2·3·16·9·(10·12) + 3 · 2·16·16·9·(5·6) + 2·16·3·9·(10·12) = 103,680 + 414,720 + 103,680
        assertEquals(622_080.0, Flops.student(deeper, 1, 9, 11));
    }

    @Test
    void restormerCountEqualsOneComputedFromTheModelsOwnParameterShapes() {
        for (RestormerConfig cfg : new RestormerConfig[] {RestormerConfig.tiny(LayerNormType.WITH_BIAS, false),
                new RestormerConfig(3, 3, 16, java.util.List.of(1, 2, 1, 2), 2, java.util.List.of(1, 2, 4, 8), 2.0, true,
                        LayerNormType.BIAS_FREE, false)}) {
            long h = 64;
            long w = 96;
            try (NDManager m = Engines.newManager()) {
                Map<String, Parameter> params = ParameterNames.of(Restormer.create(cfg, m));
                long expected = 0;
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    Shape s = e.getValue().getArray().getShape();
                    String name = e.getKey();
                    long scale = 1L << level(name);
                    if (name.endsWith(".weight") && s.dimension() == 4) {
                        // weight size = Cout · Cin/groups · k², so 2·size·Hout·Wout is the conv cost.
                        expected += 2 * s.size() * (h / scale) * (w / scale);
                    } else if (name.endsWith("attn.temperature")) {
                        long heads = s.get(0);
                        long dim = params.get(name.replace("temperature", "project_out.weight")).getArray().getShape().get(0);
                        expected += 2 * (2 * dim * dim * (h / scale) * (w / scale) / heads);
                    }
                }
                assertEquals((double) expected, Flops.restormer(cfg, 1, h, w), cfg.toString());
            }
        }
    }

    /** The resolution level a convolution runs at (input side of down/upsampling convs). */
    private static int level(String name) {
        String top = name.substring(0, name.indexOf('.'));
        return switch (top) {
            case "patch_embed", "encoder_level1", "down1_2", "decoder_level1", "refinement", "output", "skip_conv" -> 0;
            case "encoder_level2", "down2_3", "decoder_level2", "up2_1", "reduce_chan_level2" -> 1;
            case "encoder_level3", "down3_4", "decoder_level3", "up3_2", "reduce_chan_level3" -> 2;
            case "latent", "up4_3" -> 3;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Test
    void sidesArePaddedToMultiplesOfEightForRestormer() {
        RestormerConfig cfg = RestormerConfig.tiny(LayerNormType.WITH_BIAS, false);
        assertEquals(Flops.restormer(cfg, 1, 544, 960), Flops.restormer(cfg, 1, 540, 960));
    }
}
