package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kdrestore.common.UserInputException;
import org.kdrestore.common.Engines;
import org.kdrestore.metric.Fixtures;
import org.kdrestore.model.Vgg16Features.Layer;
import org.kdrestore.weights.ParameterNames;
import org.kdrestore.weights.WeightsMismatchException;

/** Golden features from torchvision vgg16().features (seeded, int8-quantised weights; see the fixture script). */
class Vgg16FeaturesTest {
    static NDManager manager;
    static Fixtures fx;
    static Vgg16Features vgg;

    /** The fixture's weights as a torchvision state dict: weight = int8 · float32 scale, as the script did. */
    public static Map<String, NDArray> stateDict(Fixtures fx) {
        Map<String, NDArray> sd = new LinkedHashMap<>();
        for (int i : new int[] {0, 2, 5, 7, 10, 12, 14}) {
            String p = "features." + i + ".";
            sd.put(p + "weight", fx.get(p + "weight_q").toType(DataType.FLOAT32, false).mul(fx.get(p + "weight_scale")));
            sd.put(p + "bias", fx.get(p + "bias"));
        }
        return sd;
    }

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        fx = new Fixtures(manager, "vgg16.npz");
        vgg = Vgg16Features.load(manager, stateDict(fx), Layer.RELU3_3, "vgg16.npz");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static void assertClose(NDArray want, NDArray got, double atol) {
        assertEquals(want.getShape(), got.getShape());
        double err = want.sub(got).abs().max().getFloat();
        assertTrue(err <= atol, "max abs error " + err + " > " + atol);
    }

    @ParameterizedTest
    @EnumSource(value = Layer.class, names = {"RELU1_2", "RELU2_2", "RELU3_3"})
    void featuresEqualTorchvisionVgg16(Layer layer) {
        NDArray x = fx.image("input");
        assertClose(fx.get("feat_" + layer.id()), vgg.features(x, layer, true), 1e-5);
    }

    @Test
    void severalLayersInOnePassEqualTheSingleLayerResults() {
        Map<Layer, NDArray> f = vgg.features(fx.image("input"), List.of(Layer.RELU2_2, Layer.RELU1_2), true);
        assertClose(fx.get("feat_relu1_2"), f.get(Layer.RELU1_2), 1e-5);
        assertClose(fx.get("feat_relu2_2"), f.get(Layer.RELU2_2), 1e-5);
    }

    @Test
    void imagenetNormalisationCanBeSwitchedOff() {
        assertClose(fx.get("feat_relu2_2_nonorm"), vgg.features(fx.image("input"), Layer.RELU2_2, false), 1e-5);
    }

    @Test
    void parametersAreNamedLikeTorchvisionKeysAndFrozen() {
        Map<String, ai.djl.nn.Parameter> p = ParameterNames.of(vgg);
        assertEquals(List.of("features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias",
                "features.5.weight", "features.5.bias", "features.7.weight", "features.7.bias", "features.10.weight",
                "features.10.bias", "features.12.weight", "features.12.bias", "features.14.weight", "features.14.bias"),
                List.copyOf(p.keySet()));
        assertTrue(p.values().stream().noneMatch(ai.djl.nn.Parameter::requiresGradient));
    }

    @Test
    void aFullTorchvisionStateDictLoadsIgnoringClassifierAndDeeperFeatures() {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> sd = new LinkedHashMap<>(stateDict(fx));
            sd.put("features.17.weight", m.zeros(new Shape(512, 256, 3, 3)));
            sd.put("features.17.bias", m.zeros(new Shape(512)));
            sd.put("classifier.0.weight", m.zeros(new Shape(4, 4)));
            sd.put("classifier.0.bias", m.zeros(new Shape(4)));
            Vgg16Features cut = Vgg16Features.load(m, sd, Layer.RELU2_2, "full.pth");
            assertClose(fx.get("feat_relu2_2"), cut.features(fx.image("input"), Layer.RELU2_2, true), 1e-5);
        }
    }

    @Test
    void aStateDictMissingANeededConvIsRefusedWithTheKey() {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> sd = new LinkedHashMap<>(stateDict(fx));
            sd.remove("features.12.weight");
            WeightsMismatchException e = assertThrows(WeightsMismatchException.class,
                    () -> Vgg16Features.load(m, sd, Layer.RELU3_3, "part.npz"));
            assertTrue(e.getMessage().contains("features.12.weight") && e.getMessage().contains("part.npz"), e.getMessage());
        }
    }

    @Test
    void aLayerDeeperThanTheLoadedCutIsRefused() {
        try (NDManager m = manager.newSubManager()) {
            Vgg16Features cut = Vgg16Features.load(m, stateDict(fx), Layer.RELU1_2, "w");
            assertThrows(UserInputException.class, () -> cut.features(fx.image("input"), Layer.RELU2_2, true));
        }
    }
}
