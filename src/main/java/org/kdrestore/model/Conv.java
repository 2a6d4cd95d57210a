package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;

/**
 * {@code nn.Conv2d} with stride 1 and "same" zero padding: parameters {@code weight}
 * (out, in/groups, k, k) and optional {@code bias} (out), as in a PyTorch state_dict.
 */
public final class Conv extends UnaryBlock {
    private final int outChannels;
    private final int padding;
    private final int groups;
    private final Parameter weight;
    private final Parameter bias;

    int outChannels() {
        return outChannels;
    }

    public Conv(int inChannels, int outChannels, int kernel, int groups, boolean bias) {
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("channels " + inChannels + "->" + outChannels + " not divisible by groups " + groups);
        }
        this.outChannels = outChannels;
        this.padding = kernel / 2;
        this.groups = groups;
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
        return Conv2d.conv2d(x, weight.getArray(), bias == null ? null : bias.getArray(),
                new Shape(1, 1), new Shape(padding, padding), new Shape(1, 1), groups).singletonOrThrow();
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), outChannels, in.get(2), in.get(3));
    }
}
