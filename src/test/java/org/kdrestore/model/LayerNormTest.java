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

    /** The output and the gradients (input, weight, bias) of sum(norm(x) · r). */
    private static float[][] outputAndGradients(NDManager m, NDArray x, NDArray r, float[] weight, float[] bias) {
        LayerNorm norm = new LayerNorm(6, LayerNormType.WITH_BIAS);
        norm.initialize(m, DataType.FLOAT32, x.getShape());
        NDArray w = org.kdrestore.weights.ParameterNames.of(norm).get("body.weight").getArray();
        NDArray b = org.kdrestore.weights.ParameterNames.of(norm).get("body.bias").getArray();
        w.set(weight);
        b.set(bias);
        NDArray xg = x.duplicate();
        xg.setRequiresGradient(true);
        float[] y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray out = norm.apply(xg);
            y = out.toFloatArray();
            gc.backward(out.mul(r).sum());
        }
        return new float[][] {y, xg.getGradient().toFloatArray(), w.getGradient().toFloatArray(), b.getGradient().toFloatArray()};
    }

    /**
     * bfloat16 training normalises with libtorch's fused layer_norm (the products, not the norm, are
     * bfloat16): the same function as the formula, so values and all gradients agree to float32 rounding.
     */
    @Test
    void theBf16TrainingPathHasTheFormulasValuesAndGradients() {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(6);
            Shape shape = new Shape(2, 6, 5, 4);
            NDArray x = m.randomUniform(-2f, 3f, shape);
            NDArray r = m.randomUniform(-1f, 1f, shape);
            float[] weight = m.randomUniform(0.5f, 1.5f, new Shape(6)).toFloatArray();
            float[] bias = m.randomUniform(-0.5f, 0.5f, new Shape(6)).toFloatArray();
            float[][] formula = outputAndGradients(m, x, r, weight, bias);
            float[][] fused;
            try (org.kdrestore.common.Bf16.Scope on = org.kdrestore.common.Bf16.scope()) {
                fused = outputAndGradients(m, x, r, weight, bias);
            }
            String[] what = {"output", "input gradient", "weight gradient", "bias gradient"};
            for (int i = 0; i < what.length; i++) {
                assertArrayEquals(formula[i], fused[i], 2e-5f, what[i]);
            }
        }
    }
}
