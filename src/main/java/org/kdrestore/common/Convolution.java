package org.kdrestore.common;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** The one convolution primitive every model, loss and metric goes through. */
public final class Convolution {
    private Convolution() {}

    /**
     * Output channels are padded to a multiple of this many zero filters when a gradient is
     * wanted on the CPU (see {@link #conv2d}).
     */
    public static final int OUTPUT_CHANNEL_BLOCK = 16;

    /**
     * The one entry for every convolution in the project (stride 1, no dilation): {@code x}
     * (N, Cin, H, W), {@code weight} (Cout, Cin/groups, kh, kw), optional {@code bias} (Cout),
     * zero padding {@code padH}, {@code padW}.
     *
     * <p>Why not libtorch's conv2d directly: on AVX-512 CPUs, libtorch 2.7.1 (oneDNN 3.7.1,
     * {@code jit:avx512_core} backward_data) returns wrong or NaN <em>input</em> gradients for a
     * dense convolution whose output channels are not a multiple of 16, whenever it takes the
     * oneDNN path (batch &gt; 1 or a large input). oneDNN stores such tensors in 16-channel blocks
     * with a padded tail; the error changes from run to run and is sometimes NaN, as from a tail
     * that is read but never zeroed. Forward and weight gradient are right. So when a gradient may be wanted, a dense convolution on the CPU gets zero
     * filters up to a multiple of 16 output channels and its output is sliced back: the same
     * function and the same gradients, computed without a tail (docs/correctness.md;
     * {@code ConvGradientCheck} verifies it at the start of training, and the model tests
     * compare with float64).
     */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int padH, int padW, int groups) {
        Shape ws = weight.getShape();
        long cout = ws.get(0);
        long tail = cout % OUTPUT_CHANNEL_BLOCK;
        if (groups == 1 && tail != 0 && "cpu".equals(x.getDevice().getDeviceType())
                && Engines.gradientWanted(x, weight)) {
            long extra = OUTPUT_CHANNEL_BLOCK - tail;
            NDManager m = x.getManager();
            NDArray wide = weight.concat(m.zeros(new Shape(extra, ws.get(1), ws.get(2), ws.get(3)), weight.getDataType()), 0);
            NDArray wideBias = bias == null ? null : bias.concat(m.zeros(new Shape(extra), bias.getDataType()), 0);
            NDArray y = plain(x, wide, wideBias, padH, padW, 1);
            return y.get(new NDIndex(":, 0:{}", cout));
        }
        return plain(x, weight, bias, padH, padW, groups);
    }

    /**
     * The same convolution with "same" padding (k/2) computed in bfloat16 ({@link Bf16}), float32
     * out. {@code weight} may be a frozen weight's bfloat16 copy ({@link Bf16#castFrozen}). The
     * output channels get the same zero filters as in {@link #conv2d} when a gradient is wanted,
     * since oneDNN's bfloat16 kernels store the same 16-channel blocks.
     */
    public static NDArray conv2dBf16(NDArray x, NDArray weight, NDArray bias) {
        Shape ws = weight.getShape();
        long cout = ws.get(0);
        long tail = cout % OUTPUT_CHANNEL_BLOCK;
        boolean dense = ws.get(1) == x.getShape().get(1);
        if (dense && tail != 0 && "cpu".equals(x.getDevice().getDeviceType()) && Engines.gradientWanted(x, weight)) {
            long extra = OUTPUT_CHANNEL_BLOCK - tail;
            NDManager m = x.getManager();
            NDArray wide = weight.concat(m.zeros(new Shape(extra, ws.get(1), ws.get(2), ws.get(3)), weight.getDataType()), 0);
            NDArray wideBias = bias == null ? null : bias.concat(m.zeros(new Shape(extra), bias.getDataType()), 0);
            return Bf16.conv2d(x, wide, wideBias).get(new NDIndex(":, 0:{}", cout));
        }
        return Bf16.conv2d(x, weight, bias);
    }

    private static NDArray plain(NDArray x, NDArray weight, NDArray bias, int padH, int padW, int groups) {
        return Conv2d.conv2d(x, weight, bias, new Shape(1, 1), new Shape(padH, padW), new Shape(1, 1), groups)
                .singletonOrThrow();
    }
}
