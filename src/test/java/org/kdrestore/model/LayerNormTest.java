package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;

/**
 * The channel LayerNorm's in-place inference path against its autograd path, and against a hand
 * formula (biased variance over channels, eps 1e-5 inside the root).
 */
class LayerNormTest {
    private static void check(LayerNormType type) {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(5);
            Shape shape = new Shape(2, 6, 5, 4);
            LayerNorm norm = new LayerNorm(6, type);
            norm.initialize(m, DataType.FLOAT32, shape);
            for (var p : norm.getParameters()) {
                NDArray a = p.getValue().getArray();
                a.set(m.randomUniform(0.5f, 1.5f, a.getShape()).toFloatArray());
            }
            NDArray x = m.randomUniform(-2f, 3f, shape);
            float[] before = x.toFloatArray();
            float[] inference = norm.apply(x).toFloatArray();
            assertArrayEquals(before, x.toFloatArray(), 0f, "the input must not be changed in place");

            float[] withGradient;
            NDArray xg = x.duplicate();
            xg.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = norm.apply(xg);
                withGradient = y.toFloatArray();
                gc.backward(y.sum());
            }
            assertArrayEquals(withGradient, inference, 1e-6f);

            // by hand for one pixel: channels c at (n=1, h=2, w=3)
            float[] xs = before;
            double mean = 0;
            double[] v = new double[6];
            for (int c = 0; c < 6; c++) {
                v[c] = xs[((1 * 6 + c) * 5 + 2) * 4 + 3];
                mean += v[c] / 6;
            }
            double var = 0;
            for (int c = 0; c < 6; c++) {
                var += (v[c] - mean) * (v[c] - mean) / 6;
            }
            float[] weight = org.kdrestore.weights.ParameterNames.of(norm).get("body.weight").getArray().toFloatArray();
            float[] bias = type == LayerNormType.WITH_BIAS ? org.kdrestore.weights.ParameterNames.of(norm).get("body.bias").getArray().toFloatArray() : new float[6];
            for (int c = 0; c < 6; c++) {
                double num = type == LayerNormType.WITH_BIAS ? v[c] - mean : v[c];
                double expected = num / Math.sqrt(var + 1e-5) * weight[c] + bias[c];
                double got = inference[((1 * 6 + c) * 5 + 2) * 4 + 3];
                assertTrue(Math.abs(expected - got) < 1e-5, type + " channel " + c + ": " + got + " vs " + expected);
            }
        }
    }

    @Test
    void withBiasInferenceEqualsAutogradPathAndHandFormula() {
        check(LayerNormType.WITH_BIAS);
    }

    @Test
    void biasFreeInferenceEqualsAutogradPathAndHandFormula() {
        check(LayerNormType.BIAS_FREE);
    }
}
