package org.kdrestore.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import java.util.Collection;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.kdrestore.common.Convolution;
import org.kdrestore.common.CpuInfo;
import org.kdrestore.common.Engines;
import org.kdrestore.model.Conv;
import org.kdrestore.model.StudentCnn;

/**
 * The start-up self-check of training: before a network trains in this process, the gradient of
 * every kind of convolution it has ({@link Conv.Signature}) is computed the way training computes
 * it ({@link Convolution#conv2d}, float32, inside a gradient collector) on a tiny random batch and
 * compared with the same computation in float64, which libtorch runs through its own reference
 * kernels (oneDNN serves float32 only). A mismatch or a NaN stops training with the shape, the
 * CPU and the engine named, instead of training on garbage (docs/correctness.md: the engine's
 * oneDNN returned wrong input gradients for some shapes on AVX-512 CPUs).
 *
 * <p>Each signature is checked once per process; a check costs milliseconds.
 */
public final class ConvGradientCheck {
    /** Relative to the largest float64 gradient; float32 rounding stays under 1e-6 of it. */
    static final double TOLERANCE = 1e-4;

    private static final Set<Conv.Signature> PASSED = ConcurrentHashMap.newKeySet();

    private ConvGradientCheck() {}

    /** The convolution as training computes it (a parameter so a test can hand in a broken one). */
    @FunctionalInterface
    interface ConvFunction {
        NDArray apply(NDArray x, NDArray weight, NDArray bias, int pad, int groups);
    }

    static final ConvFunction PROJECT = (x, w, b, pad, groups) -> Convolution.conv2d(x, w, b, pad, pad, groups);

    /** Thrown when the engine's gradient is wrong on this machine. */
    public static final class EngineGradientError extends IllegalStateException {
        EngineGradientError(String message) {
            super(message);
        }
    }

    /** The bfloat16 path of training ({@code train.precision: bf16}): "same" padding, groups from the shapes. */
    static final ConvFunction PROJECT_BF16 = (x, w, b, pad, groups) -> Convolution.conv2dBf16(x, w, b);

    /**
     * bfloat16 keeps 8 significant bits: each operand is rounded by up to 2^-9 of itself, the sums
     * run in float32, so an element of a gradient may be off by about 2^-8 of the largest one;
     * a wrong kernel is off by the gradient's own size.
     */
    static final double BF16_TOLERANCE = 3e-2;

    /** Checks every convolution kind in {@code network}; throws {@link EngineGradientError} on a mismatch. */
    public static void verify(Block network) {
        verify(network, false);
    }

    /** {@link #verify(Block)}, and with {@code bf16} the bfloat16 path too, against float64. */
    public static void verify(Block network, boolean bf16) {
        verify(Conv.signaturesIn(network), PROJECT, true);
        if (bf16) {
            Set<Conv.Signature> kinds = network instanceof StudentCnn student ? student.signaturesTrainedInBf16() : Conv.signaturesIn(network);
            for (Conv.Signature s : kinds) {
                if (s.kernel() == 1 && s.groups() == 1) {
                    continue; // a 1x1 convolution is a matrix product (Conv.pointwise), not a convolution kernel
                }
                String failure = compare(s, PROJECT_BF16, DataType.FLOAT32, BF16_TOLERANCE);
                if (failure != null) {
                    throw new EngineGradientError("the engine's bfloat16 convolution gradient is wrong on this machine: " + s + ": "
                            + failure + "; CPU " + CpuInfo.model() + ", " + Engines.describe()
                            + ". Training stopped rather than train on wrong gradients; train.precision: float32 avoids this path.");
                }
            }
        }
    }

    static void verify(Collection<Conv.Signature> signatures, ConvFunction conv, boolean remember) {
        for (Conv.Signature s : signatures) {
            if (remember && PASSED.contains(s)) {
                continue;
            }
            String failure = compare(s, conv, DataType.FLOAT32, TOLERANCE);
            if (failure != null) {
                throw new EngineGradientError("the engine's convolution gradient is wrong on this machine: " + s + ": "
                        + failure + "; CPU " + CpuInfo.model() + ", " + Engines.describe()
                        + ". Training stopped rather than train on wrong gradients (see docs/correctness.md).");
            }
            if (remember) {
                PASSED.add(s);
            }
        }
    }

    /** Null when float32 and float64 agree for {@code s}; else what differed. */
    static String compare(Conv.Signature s, ConvFunction conv) {
        return compare(s, conv, DataType.FLOAT32, TOLERANCE);
    }

    /**
     * Null when {@code conv} on {@code type} operands and {@link #PROJECT} in float64 agree for
     * {@code s} within {@code tolerance} of the largest gradient; else what differed.
     */
    static String compare(Conv.Signature s, ConvFunction conv, DataType type, double tolerance) {
        int k = s.kernel();
        int n = 2; // a batch above 1 takes libtorch's oneDNN path, as training does
        int side = 6 + k;
        SplittableRandom rng = new SplittableRandom(31L * s.hashCode() + 7);
        try (NDManager m = Engines.newManager()) {
            NDArray x = random(m, rng, new Shape(n, s.inChannels(), side, side), 1.0);
            NDArray w = random(m, rng, new Shape(s.outChannels(), s.inChannels() / s.groups(), k, k), 0.5);
            NDArray b = random(m, rng, new Shape(s.outChannels()), 0.5);
            NDArray r = random(m, rng, new Shape(n, s.outChannels(), side, side), 1.0);
            double[][] single = gradients(conv, x, w, b, r, k / 2, s.groups(), type);
            double[][] reference = gradients(PROJECT, x, w, b, r, k / 2, s.groups(), DataType.FLOAT64);
            String[] names = {"input", "weight", "bias"};
            for (int i = 0; i < names.length; i++) {
                double scale = 0;
                double worst = 0;
                for (int j = 0; j < reference[i].length; j++) {
                    scale = Math.max(scale, Math.abs(reference[i][j]));
                    double d = Math.abs(single[i][j] - reference[i][j]);
                    if (!Double.isFinite(single[i][j])) {
                        return names[i] + " gradient element " + j + " is " + single[i][j] + " (float64: " + reference[i][j] + ")";
                    }
                    worst = Math.max(worst, d);
                }
                if (worst > tolerance * Math.max(scale, 1e-30)) {
                    return String.format("%s gradient differs from float64 by up to %.3g (largest gradient %.3g)", names[i], worst, scale);
                }
            }
            return null;
        }
    }

    private static NDArray random(NDManager m, SplittableRandom rng, Shape shape, double bound) {
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return m.create(v, shape);
    }

    /** d/d(x, w, b) of sum(conv(x, w, b) · r), computed in {@code type}. */
    private static double[][] gradients(ConvFunction conv, NDArray x0, NDArray w0, NDArray b0, NDArray r0, int pad, int groups,
            DataType type) {
        NDArray x = x0.toType(type, true);
        NDArray w = w0.toType(type, true);
        NDArray b = b0.toType(type, true);
        NDArray r = r0.toType(type, true);
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        b.setRequiresGradient(true);
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            gc.backward(conv.apply(x, w, b, pad, groups).mul(r).sum());
        }
        return new double[][] {doubles(x.getGradient()), doubles(w.getGradient()), doubles(b.getGradient())};
    }

    private static double[] doubles(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
