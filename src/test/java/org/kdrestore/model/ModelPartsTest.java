package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

class ModelPartsTest {
    @Test
    void geluIsTheExactErfForm() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.linspace(-6f, 6f, 1001);
            NDArray exact = x.mul(0.5f).mul(x.div((float) Math.sqrt(2)).erf().add(1f));
            assertTrue(Fixtures.maxAbsDiff(FeedForward.gelu(x), exact) < 1e-6f);
        }
    }

    @Test
    void pixelUnshuffleUsesTorchChannelOrderAndShuffleInvertsIt() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.arange(32f).reshape(1, 2, 4, 4);
            NDArray u = PixelShuffle.unshuffle(x, 2);
            assertEquals(new Shape(1, 8, 2, 2), u.getShape());
            // torch.nn.PixelUnshuffle(2)(torch.arange(32.).reshape(1,2,4,4))[0,:4,0,0] = [0, 1, 4, 5]
            assertArrayEquals(new float[] {0, 1, 4, 5}, u.get(":, 0:4, 0, 0").toFloatArray());
            assertArrayEquals(x.toFloatArray(), PixelShuffle.shuffle(u, 2).toFloatArray());
        }
    }

    @Test
    void configReadsUpstreamArgumentNamesAndNamesABadKey() {
        RestormerConfig c = RestormerConfig.fromUpstreamMap(Map.of("dim", 8, "num_blocks", List.of(1, 1, 1, 1),
                "num_refinement_blocks", 1, "LayerNorm_type", "BiasFree", "type", "Restormer"));
        assertEquals(RestormerConfig.tiny(LayerNormType.BIAS_FREE, false), c);
        assertEquals(RestormerConfig.motionDeblurring(), RestormerConfig.fromUpstreamMap(Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RestormerConfig.fromUpstreamMap(Map.of("dimm", 8)));
        assertTrue(e.getMessage().contains("'dimm'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RestormerConfig.fromUpstreamMap(Map.of("heads", List.of(1, 2, 5, 8))));
        assertTrue(e.getMessage().contains("heads 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RestormerConfig.fromUpstreamMap(Map.of("LayerNorm_type", "Biasfre")));
        assertTrue(e.getMessage().contains("LayerNorm_type") && e.getMessage().contains("Biasfre"), e.getMessage());
    }
}
