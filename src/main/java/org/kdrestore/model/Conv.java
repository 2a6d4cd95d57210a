package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.LinkedHashSet;
import java.util.Set;
import org.kdrestore.common.Convolution;

/**
 * {@code nn.Conv2d} with stride 1 and "same" zero padding: parameters {@code weight}
 * (out, in/groups, k, k) and optional {@code bias} (out), as in a PyTorch state_dict.
 */
public final class Conv extends UnaryBlock {
    private final int outChannels;
    private final int padding;
    private final int groups;
    private final int kernel;
    private final Parameter weight;
    private final Parameter bias;

    private final int inChannels;

    int outChannels() {
        return outChannels;
    }

    /** What a convolution is, for checks that run per kind of layer ({@code ConvGradientCheck}). */
    public record Signature(int inChannels, int outChannels, int kernel, int groups) {
        @Override
        public String toString() {
            return kernel + "x" + kernel + " conv " + inChannels + "->" + outChannels + (groups > 1 ? " (groups " + groups + ")" : "");
        }
    }

    public Signature signature() {
        return new Signature(inChannels, outChannels, kernel, groups);
    }

    /** The signatures of every {@link Conv} in {@code block} and below, each once, in the order met. */
    public static Set<Signature> signaturesIn(Block block) {
        Set<Signature> out = new LinkedHashSet<>();
        collect(block, out);
        return out;
    }

    private static void collect(Block block, Set<Signature> out) {
        if (block instanceof Conv c) {
            out.add(c.signature());
        }
        for (var child : block.getChildren()) {
            collect(child.getValue(), out);
        }
    }

    public Conv(int inChannels, int outChannels, int kernel, int groups, boolean bias) {
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("channels " + inChannels + "->" + outChannels + " not divisible by groups " + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.padding = kernel / 2;
        this.groups = groups;
        this.kernel = kernel;
        long fanIn = (long) inChannels / groups * kernel * kernel;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(outChannels, inChannels / groups, kernel, kernel))
                .optInitializer(new TorchInit(fanIn)).build());
        this.bias = bias
                ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                        .optShape(new Shape(outChannels)).optInitializer(new TorchInit(fanIn)).build())
                : null;
    }

    /** A k×k convolution over all channels. */
    public static Conv dense(int in, int out, int kernel, boolean bias) {
        return new Conv(in, out, kernel, 1, bias);
    }

    /** A k×k depthwise convolution (groups = channels). */
    public static Conv depthwise(int channels, int kernel, boolean bias) {
        return new Conv(channels, channels, kernel, channels, bias);
    }

    @Override
    public NDArray apply(NDArray x) {
        if (kernel == 1 && groups == 1) {
            return pointwise(x);
        }
        return Convolution.conv2d(x, weight.getArray(), bias == null ? null : bias.getArray(), padding, padding, groups);
    }

    /**
     * A 1×1 convolution as one matrix product, (out × in) · (in × H·W): libtorch's oneDNN path for
     * NCHW 1×1 convolutions reorders to a blocked layout and back, and at the Restormer's
     * full-resolution levels it runs at 35–45 GFLOP/s where the plain product reaches 65–110.
     */
    private NDArray pointwise(NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0);
        long in = s.get(1);
        NDArray w = weight.getArray();
        NDArray y = w.reshape(outChannels, in).matMul(x.reshape(n, in, s.get(2) * s.get(3)));
        if (bias != null) {
            y = y.add(bias.getArray().reshape(outChannels, 1));
        }
        return y.reshape(n, outChannels, s.get(2), s.get(3));
    }

    /**
     * This 1×1 convolution with its result laid out channels-last: NHWC memory behind the usual
     * NCHW shape, made directly by the product (pixels × in) · (in × out), so no copy. Why: a
     * depthwise 3×3 convolution that reads a channels-last tensor takes oneDNN's NHWC kernel,
     * about 3.5× faster than its NCHW one here (the depthwise convs were a third of the
     * Restormer's time). Element for element the same values as {@link #apply}.
     */
    NDArray applyChannelsLast(NDArray x) {
        if (kernel != 1 || groups != 1) {
            throw new IllegalStateException("channels-last output is for 1x1 convolutions, not " + kernel + "x" + kernel + "/" + groups);
        }
        Shape s = x.getShape();
        long n = s.get(0);
        long in = s.get(1);
        NDArray pixels = x.reshape(n, in, s.get(2) * s.get(3)).transpose(0, 2, 1);
        NDArray y = pixels.matMul(weight.getArray().reshape(outChannels, in).transpose());
        if (bias != null) {
            y = y.add(bias.getArray());
        }
        return y.reshape(n, s.get(2), s.get(3), outChannels).transpose(0, 3, 1, 2);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), outChannels, in.get(2), in.get(3));
    }
}
