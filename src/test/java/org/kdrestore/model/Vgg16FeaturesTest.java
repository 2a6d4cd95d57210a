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

    /** {@code a} (float64) rounded to bfloat16's nearest value, still float64; no gradient. */
    private static NDArray roundedToBf16(NDArray a) {
        NDArray r = org.kdrestore.common.Bf16.toFloat32(org.kdrestore.common.Bf16.castFrozen(a.stopGradient().toType(DataType.FLOAT32, false)));
        return r.toType(DataType.FLOAT64, false);
    }

    /** {@code a} with the value rounded to bfloat16 and the gradient passed through unchanged. */
    private static NDArray roundedStraightThrough(NDArray a) {
        return a.add(roundedToBf16(a).sub(a).stopGradient());
    }

    /**
     * relu1_2 and relu2_2 by the definition (conv+ReLU, conv+ReLU, 2x2 max-pool, conv+ReLU, conv+ReLU),
     * computed in float64 on the values the bfloat16 path holds: the input, the weights and each
     * conv+ReLU output rounded to bfloat16. So its ReLUs and max-pools decide as the bfloat16 path's
     * do (rounding moves near-ties in a 2x2 window: PyTorch's own bfloat16 VGG input gradient differs
     * from float64's by 10% in L2 from those alone, while this reference shares them), and its
     * gradient (straight through the roundings) is exact.
     */
    private static NDArray[] referenceFeatures(NDArray x) {
        Map<String, ai.djl.nn.Parameter> p = ParameterNames.of(vgg);
        NDArray h = roundedStraightThrough(x);
        NDArray[] out = new NDArray[2];
        int[] convs = {0, 2, 5, 7};
        for (int i = 0; i < convs.length; i++) {
            String k = "features." + convs[i] + ".";
            NDArray w = roundedToBf16(p.get(k + "weight").getArray().toType(DataType.FLOAT64, true));
            NDArray b = roundedToBf16(p.get(k + "bias").getArray().toType(DataType.FLOAT64, true));
            h = ai.djl.nn.convolutional.Conv2d.conv2d(h, w, b, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
            h = roundedStraightThrough(ai.djl.nn.Activation.relu(h));
            if (i == 1) {
                out[0] = h;
                h = ai.djl.nn.pooling.Pool.maxPool2d(h, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            }
        }
        out[1] = h;
        return out;
    }

    /**
     * In a bf16 scope (training under train.precision bf16) the network runs wholly in bfloat16,
     * channels-last: both returned features and the gradient reaching the input agree with float64
     * to bfloat16's rounding, and the features are not float32's (the path was taken).
     */
    @Test
    void inBf16TheFeaturesAndTheirInputGradientAgreeWithFloat64() {
        try (NDManager m = manager.newSubManager()) {
            m.getEngine().setRandomSeed(9);
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 16, 18));
            NDArray r1 = m.randomUniform(-1f, 1f, new Shape(2, 64, 16, 18));
            NDArray r2 = m.randomUniform(-1f, 1f, new Shape(2, 128, 8, 9));

            NDArray x64 = x.toType(DataType.FLOAT64, true);
            x64.setRequiresGradient(true);
            NDArray[] ref;
            try (ai.djl.training.GradientCollector gc = Engines.engine().newGradientCollector()) {
                ref = referenceFeatures(x64);
                gc.backward(ref[0].mul(r1.toType(DataType.FLOAT64, false)).sum().add(ref[1].mul(r2.toType(DataType.FLOAT64, false)).sum()));
            }
            NDArray xb = x.duplicate();
            xb.setRequiresGradient(true);
            Map<Layer, NDArray> got;
            try (org.kdrestore.common.Bf16.Scope on = org.kdrestore.common.Bf16.scope();
                    ai.djl.training.GradientCollector gc = Engines.engine().newGradientCollector()) {
                got = vgg.features(xb, List.of(Layer.RELU1_2, Layer.RELU2_2), false);
                gc.backward(got.get(Layer.RELU1_2).mul(r1).sum().add(got.get(Layer.RELU2_2).mul(r2).sum()));
            }
            Map<Layer, NDArray> f32 = vgg.features(x, List.of(Layer.RELU1_2, Layer.RELU2_2), false);
            NDArray[] gotFeatures = {got.get(Layer.RELU1_2), got.get(Layer.RELU2_2)};
            NDArray[] f32Features = {f32.get(Layer.RELU1_2), f32.get(Layer.RELU2_2)};
            for (int i = 0; i < 2; i++) {
                assertEquals(DataType.FLOAT32, gotFeatures[i].getDataType());
                double e = relative(gotFeatures[i], ref[i].stopGradient());
                assertTrue(e < 1e-2, "feature " + i + ": error " + e + " against float64 on bfloat16 values");
                assertTrue(relative(gotFeatures[i], f32Features[i].toType(DataType.FLOAT64, false)) > 1e-4, "feature " + i + " is float32's");
            }
            double ge = relativeL2(xb.getGradient(), x64.getGradient());
            assertTrue(ge < 3e-2, "input gradient: bf16 error " + ge + " (max-norm " + relative(xb.getGradient(), x64.getGradient()) + ")");
        }
    }
    /**
     * ‖a − ref‖₂ / ‖ref‖₂. Why not the largest element's error for a gradient through ReLUs and
     * max-pooling: where bfloat16 moves a pre-activation across zero, or changes which of four
     * nearly equal values is the maximum, that one element's gradient changes wholly; such flips are
     * few, so they move the norm little, while a wrong kernel moves it by its own size.
     */
    static double relativeL2(NDArray a, NDArray ref) {
        NDArray r = ref.toType(DataType.FLOAT64, true);
        NDArray d = a.toType(DataType.FLOAT64, true).sub(r);
        return Math.sqrt(d.mul(d).sum().getDouble() / r.mul(r).sum().getDouble());
    }

    /** max |a − ref| / max |ref|. */
    private static double relative(NDArray a, NDArray ref) {
        NDArray r = ref.toType(DataType.FLOAT64, true);
        return a.toType(DataType.FLOAT64, true).sub(r).abs().max().getDouble() / r.abs().max().getDouble();
    }
}
