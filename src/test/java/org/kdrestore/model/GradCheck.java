package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.kdrestore.common.Engines;
import org.kdrestore.weights.ParameterNames;

/**
 * Gradient checks that need no fixture machine: autograd against central finite differences,
 * both in float64 (which libtorch computes with its reference kernels, not oneDNN), and float32
 * autograd against float64 autograd. The scalar being differentiated is recomputed inside a
 * gradient collector for the differences too, so the same code path (the one training takes) is
 * differentiated and perturbed.
 */
public final class GradCheck {
    private GradCheck() {}

    /** A random array in [-bound, bound) of {@code type}. */
    public static NDArray random(NDManager m, SplittableRandom rng, Shape shape, double lo, double hi, DataType type) {
        double[] v = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rng.nextDouble();
        }
        return m.create(v, shape).toType(type, false);
    }

    /**
     * The scalar {@code f} computes, with grad mode on (as in training). {@code anchor}, the array
     * {@code f} starts from, is moved into a scope for the call, so the intermediates (attached to
     * their first operand's manager) are freed after it: DJL's gradient collector walks every live
     * array, and thousands of leftovers would make each evaluation slower than the last.
     */
    public static double eval(Supplier<NDArray> f, NDArray anchor) {
        try (NDManager scope = anchor.getManager().newSubManager()) {
            anchor.tempAttach(scope);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                return f.get().toType(DataType.FLOAT64, false).getDouble();
            }
        }
    }

    /** d f / d {@code input} by autograd (parameters' gradients are filled too), intermediates freed. */
    public static double[] autograd(Supplier<NDArray> f, NDArray input) {
        input.setRequiresGradient(true);
        try (NDManager scope = input.getManager().newSubManager()) {
            input.tempAttach(scope);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                gc.backward(f.get());
            }
            return input.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    /**
     * Checks {@code count} elements of {@code target} (an array the scalar {@code f} reads; float64;
     * {@code anchor} as in {@link #eval}):
     * autograd's derivative equals the central difference with step {@code h} within
     * {@code rel}·max(1e-3·scale, |derivative|) where scale is the largest derivative.
     */
    public static void checkAgainstDifferences(String what, Supplier<NDArray> f, NDArray anchor, NDArray target,
            double[] autograd, int count, long seed, double h, double rel) {
        assertEquals(DataType.FLOAT64, target.getDataType(), what + ": finite differences are taken in float64");
        double[] v = target.toDoubleArray();
        double scale = 0;
        for (double g : autograd) {
            assertTrue(Double.isFinite(g), what + ": a derivative is " + g);
            scale = Math.max(scale, Math.abs(g));
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int k = 0; k < count; k++) {
            int i = rng.nextInt(v.length);
            double old = v[i];
            v[i] = old + h;
            target.set(v);
            double plus = eval(f, anchor);
            v[i] = old - h;
            target.set(v);
            double minus = eval(f, anchor);
            v[i] = old;
            target.set(v);
            double fd = (plus - minus) / (2 * h);
            double tol = rel * Math.max(1e-3 * scale, Math.abs(autograd[i]));
            assertTrue(Math.abs(fd - autograd[i]) <= tol, String.format(
                    "%s element %d: autograd %.10g, central difference %.10g (scale %.3g)", what, i, autograd[i], fd, scale));
        }
    }

    /** float32 and float64 derivatives agree within {@code rel} of the largest one; none is NaN. */
    public static void checkSingleAgainstDouble(String what, double[] single, double[] dbl, double rel) {
        assertEquals(dbl.length, single.length, what);
        double scale = 0;
        for (double g : dbl) {
            scale = Math.max(scale, Math.abs(g));
        }
        for (int i = 0; i < dbl.length; i++) {
            assertTrue(Double.isFinite(single[i]), what + ": float32 derivative " + i + " is " + single[i]);
            assertTrue(Math.abs(single[i] - dbl[i]) <= rel * scale, String.format(
                    "%s element %d: float32 %.8g vs float64 %.8g (scale %.3g)", what, i, single[i], dbl[i], scale));
        }
    }

    /** Copies every parameter of {@code from} into the same-named parameter of {@code to} (any types). */
    public static void copyParameters(Block from, Block to) {
        Map<String, Parameter> src = ParameterNames.of(from);
        Map<String, Parameter> dst = ParameterNames.of(to);
        assertEquals(src.keySet(), dst.keySet());
        for (Map.Entry<String, Parameter> e : dst.entrySet()) {
            NDArray a = e.getValue().getArray();
            NDArray b = src.get(e.getKey()).getArray().toType(a.getDataType(), false);
            a.set(b.toByteBuffer());
        }
    }

    /** d f / d every parameter, concatenated in name order (after a backward pass that filled them). */
    public static double[] parameterGradients(Block net) {
        return ParameterNames.of(net).values().stream()
                .flatMapToDouble(p -> java.util.Arrays.stream(p.getArray().getGradient().toType(DataType.FLOAT64, false).toDoubleArray()))
                .toArray();
    }
}
