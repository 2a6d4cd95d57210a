package org.kdrestore.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.kdrestore.common.Convolution;
import org.kdrestore.common.UserInputException;

/**
 * Structural similarity on DJL arrays, differentiable (the SSIM loss uses it), for a batch
 * {@code (N,C,H,W)} or one image {@code (C,H,W)}. The numbers are those of the named
 * {@link Definition}; see there for the exact conventions.
 *
 * <p>Computation: the five local moments E[x], E[y], E[x²], E[y²], E[xy] are filtered in one
 * grouped convolution per axis (channels of the five stacked side by side), so a 1080p pair
 * costs two depthwise convolutions, not a Java loop. Intermediates live in a scope that is
 * closed before returning; autograd keeps what backward needs.
 */
public final class Ssim {
    private Ssim() {}

    /** SSIM per image and channel, shape {@code (N,C)}; float32 (pytorch-msssim) or float64 (skimage). */
    public static NDArray perChannel(NDArray x, NDArray y, Definition def) {
        return ssimAndCs(x, y, def)[0];
    }

    /** SSIM per image (mean over channels), shape {@code (N)}. */
    public static NDArray perImage(NDArray x, NDArray y, Definition def) {
        return perChannel(x, y, def).mean(new int[] {1});
    }

    /** The single number {@code pytorch_msssim.ssim(..., size_average=True)} returns: mean over images and channels. */
    public static NDArray ssim(NDArray x, NDArray y, Definition def) {
        return perChannel(x, y, def).mean();
    }

    /**
     * SSIM and the contrast-structure term (the SSIM map without its luminance factor), both
     * averaged over space, shape {@code (N,C)} each. MS-SSIM needs the second.
     */
    static NDArray[] ssimAndCs(NDArray x, NDArray y, Definition def) {
        checkShapes(x, y, def);
        NDManager parent = x.getManager();
        if (!def.isSkimage() && !org.kdrestore.common.Engines.gradientWanted(x, y) && "cpu".equals(x.getDevice().getDeviceType())) {
            return onCpu(x, y, def, parent);
        }
        try (NDManager scope = parent.newSubManager()) {
            x.tempAttach(scope);
            y.tempAttach(scope);
            NDArray[] out = compute(batched(x), batched(y), def);
            out[0].attach(parent);
            out[1].attach(parent);
            return out;
        }
    }

    /** No gradient wanted, on the CPU: {@link SsimCpu} (same numbers, several times faster than the engine's depthwise conv). */
    private static NDArray[] onCpu(NDArray x, NDArray y, Definition def, NDManager parent) {
        Shape s = x.getShape();
        int d = s.dimension();
        long n = d == 4 ? s.get(0) : 1;
        long c = s.get(d - 3);
        int h = Math.toIntExact(s.get(d - 2));
        int w = Math.toIntExact(s.get(d - 1));
        double[][] r;
        try (NDManager tmp = parent.newSubManager()) {
            // views of the (float32, contiguous) tensors' memory, alive until tmp closes
            NDArray xf = float32(x, tmp);
            NDArray yf = float32(y, tmp);
            float[] win = window(tmp, def, false).toFloatArray();
            r = SsimCpu.ssimAndCs(xf.toByteBuffer(true).asFloatBuffer(), yf.toByteBuffer(true).asFloatBuffer(),
                    Math.toIntExact(n * c), h, w, win, (float) def.c1(), (float) def.c2());
        }
        float[] ssim = new float[r[0].length];
        float[] cs = new float[r[1].length];
        for (int i = 0; i < ssim.length; i++) {
            ssim[i] = (float) r[0][i];
            cs[i] = (float) r[1][i];
        }
        return new NDArray[] {parent.create(ssim, new Shape(n, c)), parent.create(cs, new Shape(n, c))};
    }

    /** {@code a} itself if float32, else a float32 copy owned by {@code owner} (never {@code a} moved into it). */
    private static NDArray float32(NDArray a, NDManager owner) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a;
        }
        NDArray f = a.toType(DataType.FLOAT32, false);
        f.attach(owner);
        return f;
    }

    private static NDArray batched(NDArray a) {
        return a.getShape().dimension() == 3 ? a.expandDims(0) : a;
    }

    private static NDArray[] compute(NDArray x, NDArray y, Definition def) {
        boolean f64 = def.isSkimage();
        if (f64) {
            x = x.toType(DataType.FLOAT64, false);
            y = y.toType(DataType.FLOAT64, false);
        } else if (x.getDataType() != DataType.FLOAT32 || y.getDataType() != DataType.FLOAT32) {
            x = x.toType(DataType.FLOAT32, false);
            y = y.toType(DataType.FLOAT32, false);
        }
        long c = x.getShape().get(1);
        NDArray stacked = NDArrays.concat(new NDList(x, y, x.mul(x), y.mul(y), x.mul(y)), 1);
        NDArray filtered = filter(stacked, window(x.getManager(), def, f64));
        NDList parts = filtered.split(new long[] {c, 2 * c, 3 * c, 4 * c}, 1);
        NDArray mu1 = parts.get(0);
        NDArray mu2 = parts.get(1);
        NDArray mu1Sq = mu1.square();
        NDArray mu2Sq = mu2.square();
        NDArray mu1Mu2 = mu1.mul(mu2);
        NDArray sigma1Sq = parts.get(2).sub(mu1Sq);
        NDArray sigma2Sq = parts.get(3).sub(mu2Sq);
        NDArray sigma12 = parts.get(4).sub(mu1Mu2);
        Number c1 = f64 ? (Number) def.c1() : (Number) (float) def.c1();
        Number c2 = f64 ? (Number) def.c2() : (Number) (float) def.c2();
        // Same association as upstream so float32 rounding matches. 2·a is written a + a (the
        // same bits): DJL's mul(Number) makes a scalar tensor on Java memory and frees it right
        // after the op, while autograd keeps it for the backward pass, which then reads freed
        // memory (sporadically garbage gradients, depending on when the GC runs).
        NDArray csMap = sigma12.add(sigma12).add(c2).div(sigma1Sq.add(sigma2Sq).add(c2));
        NDArray ssimMap = mu1Mu2.add(mu1Mu2).add(c1).div(mu1Sq.add(mu2Sq).add(c1)).mul(csMap);
        // flatten(2).mean(-1) as upstream (DJL's PyTorch mean also takes one axis only)
        long n = x.getShape().get(0);
        int[] last = {2};
        return new NDArray[] {ssimMap.reshape(n, c, -1).mean(last), csMap.reshape(n, c, -1).mean(last)};
    }

    /** Separable 'valid' Gaussian filter, H then W like upstream; an axis shorter than the window is skipped. */
    static NDArray filter(NDArray in, NDArray win1d) {
        Shape s = in.getShape();
        int groups = Math.toIntExact(s.get(1));
        int w = Math.toIntExact(win1d.size());
        NDArray out = in;
        if (s.get(2) >= w) {
            out = conv(out, win1d.reshape(1, 1, w, 1).repeat(0, groups), groups);
        }
        if (s.get(3) >= w) {
            out = conv(out, win1d.reshape(1, 1, 1, w).repeat(0, groups), groups);
        }
        return out;
    }

    private static NDArray conv(NDArray in, NDArray weight, int groups) {
        return Convolution.conv2d(in, weight, null, 0, 0, groups);
    }

    /**
     * The normalised 1-D Gaussian of the definition. pytorch-msssim builds it in float32 with
     * torch ops ({@code exp(-(x²)/(2σ²)) / sum}); doing the same ops on the engine reproduces its
     * bits. skimage (scipy) builds it in float64 as {@code exp(-0.5/σ² · x²) / sum}.
     */
    public static NDArray window(NDManager manager, Definition def, boolean float64) {
        int size = def.window();
        int half = size / 2;
        if (float64) {
            double s2 = def.sigma() * def.sigma();
            double[] g = new double[size];
            double sum = 0;
            for (int i = 0; i < size; i++) {
                double xi = i - half;
                g[i] = Math.exp(-0.5 / s2 * (xi * xi));
                sum += g[i];
            }
            for (int i = 0; i < size; i++) {
                g[i] /= sum;
            }
            return manager.create(g);
        }
        NDArray coords = manager.arange(0f, (float) size, 1f).sub((float) half);
        NDArray g = coords.square().neg().div((float) (2 * def.sigma() * def.sigma())).exp();
        return g.div(g.sum());
    }

    static void checkShapes(NDArray x, NDArray y, Definition def) {
        Shape sx = x.getShape();
        Shape sy = y.getShape();
        if (!sx.equals(sy)) {
            throw new UserInputException("images must have the same shape, got " + sx + " and " + sy);
        }
        int dims = sx.dimension();
        if (dims != 3 && dims != 4) {
            throw new UserInputException("images must be (C,H,W) or (N,C,H,W), got shape " + sx);
        }
        long h = sx.get(dims - 2);
        long w = sx.get(dims - 1);
        if (h < 2 || w < 2) {
            // pytorch-msssim squeezes unit spatial axes away and then rejects the tensor
            throw new UserInputException("images need height and width >= 2 for SSIM, got " + h + "x" + w);
        }
        if (def.isSkimage() && (h < def.window() || w < def.window())) {
            throw new UserInputException("skimage SSIM needs both sides >= its window " + def.window()
                    + " (win_size exceeds image extent), got " + h + "x" + w);
        }
    }
}
