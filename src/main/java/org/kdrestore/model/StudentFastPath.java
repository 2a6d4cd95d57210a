package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.Convolution;

/**
 * Student inference rewritten for speed and memory, same numbers as the block's forward (up to
 * float32 rounding). Used by {@link StudentCnn#predict} for nearest upsampling. Three rewrites:
 * <ul>
 *   <li><b>Encoder in strips of rows.</b> The full-resolution 64-channel activation (531 MB at
 *       1080p) is never whole: each strip of {@link #STRIP_ROWS} rows is convolved (with one
 *       halo row above and below), pooled and kept at half resolution only.</li>
 *   <li><b>Pool before ReLU.</b> relu(maxpool(z)) = maxpool(relu(z)) because ReLU is monotonic,
 *       so the ReLU touches a quarter of the values.</li>
 *   <li><b>Nearest ×2 upsampling fused into the last 3×3 convolution.</b> Output pixel
 *       (2i+a, 2j+b) of conv(upsample(h)) reads half-resolution rows i−1..i+1 with the kernel
 *       rows folded: phase a=0 uses (w₀, w₁+w₂, 0), a=1 uses (0, w₀+w₁, w₂), same for columns.
 *       So the decoder is one 3×3 convolution 64→12 at half resolution (4 phases × 3 channels)
 *       followed by a pixel shuffle: no 64-channel full-resolution tensor, and the same FLOPs as
 *       the original last convolution.</li>
 * </ul>
 */
final class StudentFastPath {
    /** Rows per encoder strip (even, so pooling windows never straddle two strips). */
    static final int STRIP_ROWS = 136;

    private StudentFastPath() {}

    /** {@code x}: N×3×H×W with even H and W. Returns the network output before cropping. */
    static NDArray forward(StudentCnn net, NDArray x) {
        Map<String, Parameter> p = net.namedParameters();
        NDManager caller = x.getManager();
        try (NDManager scope = caller.newSubManager()) {
            x.tempAttach(scope);
            NDArray h = encoder(x, p.get("encoder.0.weight").getArray(), p.get("encoder.0.bias").getArray());
            NDArray y = middleAndDecoder(net.config(), p, h, x);
            y.attach(caller);
            return y;
        }
    }

    /**
     * The training forward under {@code train.precision: bf16} ({@link Bf16#active()}), with a
     * gradient: the same function and the same rewrites as {@link #forward}, the encoder whole
     * (strips only save memory at inference sizes). Why in bf16 only: the fused decoder never makes
     * the 64-channel full-resolution tensor nor its upsampling's backward, and runs a quarter of the
     * last convolution's products (a train step on 8x3x256x256 with the default loss: 1.09 s ->
     * 1.00 s, medians, docs/bench.md); float32 training keeps the block's plain forward, the upstream order of
     * operations, so float32 runs and their committed reports stay bit for bit what they were.
     * {@code x}: N×3×H×W with even H and W; intermediates live in {@code x}'s manager.
     */
    static NDArray trainingForward(StudentCnn net, NDArray x) {
        Map<String, Parameter> p = net.namedParameters();
        NDArray z = conv(x, p.get("encoder.0.weight").getArray(), p.get("encoder.0.bias").getArray(), 1, 1);
        NDArray pooled = MaxPool2x2.apply(z);
        z.close();
        NDArray h = Activation.relu(pooled);
        pooled.close();
        return middleAndDecoder(net.config(), p, h, x);
    }

    /** From the encoder's output {@code h} (closed here) to the network's output: middle, fused upsample and conv, head. */
    private static NDArray middleAndDecoder(StudentConfig cfg, Map<String, Parameter> p, NDArray h, NDArray x) {
        for (int i = 0; i < cfg.depth(); i++) {
            NDArray next = Activation.relu(conv(h, p.get("middle." + 2 * i + ".weight").getArray(),
                    p.get("middle." + 2 * i + ".bias").getArray(), 1, 1));
            h.close();
            h = next;
        }
        NDArray w = p.get("decoder.1.weight").getArray();
        NDArray b = p.get("decoder.1.bias").getArray();
        NDArray phases = conv(h, phaseWeights(w, x.getManager()), b.repeat(0, 4), 1, 1);
        h.close();
        NDArray y = PixelShuffle.shuffle(phases, 2);
        if (cfg.reluBeforeSigmoid()) {
            y = Activation.relu(y);
        }
        return cfg.residual() ? y.add(x).clip(0f, 1f) : Activation.sigmoid(y);
    }

    /** conv3×3(3→w, pad 1) → maxpool 2 → ReLU, strip by strip; the result is at half resolution. */
    private static NDArray encoder(NDArray x, NDArray w, NDArray b) {
        Shape s = x.getShape();
        long n = s.get(0);
        long hgt = s.get(2);
        NDManager m = x.getManager();
        NDArray zeroRow = m.zeros(new Shape(n, s.get(1), 1, s.get(3)), x.getDataType(), x.getDevice());
        NDArray padded = NDArrays.concat(new NDList(zeroRow, x, zeroRow), 2);
        NDList parts = new NDList();
        for (long r0 = 0; r0 < hgt; r0 += STRIP_ROWS) {
            long r1 = Math.min(hgt, r0 + STRIP_ROWS);
            try (NDManager strip = m.newSubManager()) {
                // padded rows r0 .. r1+1 are input rows r0-1 .. r1: the 3×3 halo
                NDArray in = padded.get(new NDIndex(":, :, {}:{}, :", r0, r1 + 2));
                in.attach(strip);
                NDArray z = conv(in, w, b, 0, 1);
                NDArray pooled = Activation.relu(MaxPool2x2.apply(z));
                pooled.attach(m);
                parts.add(pooled);
            }
        }
        padded.close();
        zeroRow.close();
        NDArray out = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2);
        if (parts.size() > 1) {
            parts.close();
        }
        return out;
    }

    /** A dense convolution; in a {@link Bf16} scope in bfloat16, which pads "same" (so only {@code padH = padW = 1} there). */
    private static NDArray conv(NDArray in, NDArray w, NDArray b, int padH, int padW) {
        if (Bf16.active()) {
            if (padH != 1 || padW != 1) {
                throw new IllegalStateException("bfloat16 convolutions pad 1 on each side, asked " + padH + "," + padW);
            }
            return Convolution.conv2dBf16(in, w, b);
        }
        return Convolution.conv2d(in, w, b, padH, padW, 1);
    }

    /**
     * Weights (C·4, Cin, 3, 3) of the phase convolution, in pixel-shuffle channel order
     * {@code c·4 + a·2 + b}: kernel {@code R_a · w_c · R_bᵀ} with the row folds below. Made from
     * {@code weight} by tensor operations (a gather, then sequential additions), so a gradient
     * reaches the original kernel when training goes through this path; each folded entry adds
     * its original entries in row-major order, one at a time, so the values do not depend on
     * how a reduction would group them.
     */
    static NDArray phaseWeights(NDArray weight, NDManager manager) {
        Shape s = weight.getShape();
        int cout = (int) s.get(0);
        int cin = (int) s.get(1);
        // position 9 of each kernel's padded copy is a zero: the filler for folds of fewer than TERMS entries
        NDArray padded = weight.reshape(cout, cin, 9).concat(manager.zeros(new Shape(cout, cin, 1), weight.getDataType(), weight.getDevice()), 2)
                .reshape(-1);
        long[] index = new long[cout * cin * 4 * 9 * TERMS];
        int[][] terms = foldTerms();
        int i = 0;
        for (int ck = 0; ck < cout * cin; ck++) {
            for (int[] t : terms) {
                for (int src : t) {
                    index[i++] = ck * 10L + src;
                }
            }
        }
        NDArray gathered = padded.take(manager.create(index).toDevice(weight.getDevice(), false))
                .reshape(cout, cin, 4, 9, TERMS);
        NDArray acc = gathered.get(":, :, :, :, 0");
        for (int t = 1; t < TERMS; t++) {
            acc = acc.add(gathered.get(":, :, :, :, " + t));
        }
        // (c, k, phase, 3, 3) -> (c, phase, k, 3, 3) -> (c·4 + phase, k, 3, 3)
        return acc.reshape(cout, cin, 4, 3, 3).transpose(0, 2, 1, 3, 4).reshape(cout * 4L, cin, 3, 3);
    }

    /** The most original kernel entries one folded entry sums (2 rows × 2 columns). */
    private static final int TERMS = 4;

    /**
     * For each phase {@code a·2 + b} and folded position {@code ny·3 + nx}: the original positions
     * {@code oy·3 + ox} it sums, row-major, padded with 9 (the zero) to {@link #TERMS}.
     */
    private static int[][] foldTerms() {
        // FOLD[a][new offset][old offset]: which original kernel rows land on half-res rows i-1, i, i+1
        int[][][] fold = {{{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}, {{0, 0, 0}, {1, 1, 0}, {0, 0, 1}}};
        int[][] out = new int[4 * 9][];
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int ny = 0; ny < 3; ny++) {
                    for (int nx = 0; nx < 3; nx++) {
                        int[] t = {9, 9, 9, 9};
                        int n = 0;
                        for (int oy = 0; oy < 3; oy++) {
                            for (int ox = 0; ox < 3; ox++) {
                                if (fold[a][ny][oy] != 0 && fold[b][nx][ox] != 0) {
                                    t[n++] = oy * 3 + ox;
                                }
                            }
                        }
                        out[(a * 2 + b) * 9 + ny * 3 + nx] = t;
                    }
                }
            }
        }
        return out;
    }
}
