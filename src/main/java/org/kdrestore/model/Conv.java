package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.LinkedHashSet;
import java.util.Set;
import org.kdrestore.common.Bf16;
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
        if (Bf16.active()) {
            return Convolution.conv2dBf16(x, bf16Weight(), bf16Bias());
        }
        return Convolution.conv2d(x, weight.getArray(), bias == null ? null : bias.getArray(), padding, padding, groups);
    }

    /** The bfloat16 copies of a frozen layer's parameters, made once (see {@link #bf16Weight}). */
    private NDArray frozenWeightSource;
    private NDArray frozenWeightBf16;
    private NDArray frozenBiasBf16;

    /**
     * The weight to hand a bfloat16 product: a trained (float32 master) weight as it is, so the
     * product casts it each step and its gradient reaches it; a frozen one (VGG's) as a bfloat16
     * copy made at first use and kept while the parameter holds the same array.
     */
    private NDArray bf16Weight() {
        NDArray w = weight.getArray();
        if (weight.requiresGradient()) {
            return w;
        }
        if (frozenWeightSource != w) {
            frozenWeightSource = w;
            frozenWeightBf16 = Bf16.castFrozen(w);
            frozenBiasBf16 = bias == null ? null : Bf16.castFrozen(bias.getArray());
        }
        return frozenWeightBf16;
    }

    /** This frozen layer's bfloat16 weight and bias (made once): for a network run wholly in bfloat16 ({@code Vgg16Features}). */
    NDArray[] frozenBf16() {
        if (weight.requiresGradient()) {
            throw new IllegalStateException("a trained convolution keeps float32 master weights; only a frozen one has bfloat16 copies");
        }
        return new NDArray[] {bf16Weight(), bf16Bias()};
    }

    private NDArray bf16Bias() {
        if (bias == null) {
            return null;
        }
        return weight.requiresGradient() ? bias.getArray() : frozenBiasBf16;
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
        NDArray w = weight.getArray().reshape(outChannels, in);
        NDArray flat = x.reshape(n, in, s.get(2) * s.get(3));
        NDArray y = Bf16.active() ? Bf16.matMul(w, flat) : w.matMul(flat);
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
        NDArray wt = weight.getArray().reshape(outChannels, in).transpose();
        NDArray y = Bf16.active() ? Bf16.matMul(pixels, wt) : pixels.matMul(wt);
        if (bias != null) {
            y = y.add(bias.getArray());
        }
        return y.reshape(n, s.get(2), s.get(3), outChannels).transpose(0, 3, 1, 2);
    }

    /**
     * {@code depthwise.apply(applyChannelsLast(x))}: this 1×1 convolution, then a depthwise one
     * over its outputs (Restormer's q/k/v and GDFN inputs). In a {@link Bf16} scope, when neither
     * has a bias (Restormer's configurations), the pair is one bfloat16 call, so its wide result
     * is not cast to float32 and back between them (a teacher train step: docs/bench.md).
     */
    NDArray applyChannelsLastThen(Conv depthwise, NDArray x) {
        if (Bf16.active() && bias == null && depthwise.bias == null && depthwise.groups == outChannels) {
            return Bf16.pointwiseDepthwise(x, weight.getArray(), depthwise.weight.getArray());
        }
        NDArray in = applyChannelsLast(x);
        NDArray d = depthwise.apply(in);
        in.close();
        return d;
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), outChannels, in.get(2), in.get(3));
    }
}
