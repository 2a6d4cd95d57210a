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
        StudentConfig cfg = net.config();
        Map<String, Parameter> p = net.namedParameters();
        NDManager caller = x.getManager();
        try (NDManager scope = caller.newSubManager()) {
            x.tempAttach(scope);
            NDArray h = encoder(x, p.get("encoder.0.weight").getArray(), p.get("encoder.0.bias").getArray());
            for (int i = 0; i < cfg.depth(); i++) {
                NDArray next = Activation.relu(conv(h, p.get("middle." + 2 * i + ".weight").getArray(),
                        p.get("middle." + 2 * i + ".bias").getArray(), 1, 1));
                h.close();
                h = next;
            }
            NDArray w = p.get("decoder.1.weight").getArray();
            NDArray b = p.get("decoder.1.bias").getArray();
            NDArray phases = conv(h, phaseWeights(w, scope), b.repeat(0, 4), 1, 1);
            h.close();
            NDArray y = PixelShuffle.shuffle(phases, 2);
            if (cfg.reluBeforeSigmoid()) {
                y = Activation.relu(y);
            }
            if (cfg.residual()) {
                y = y.add(x).clip(0f, 1f);
            } else {
                y = Activation.sigmoid(y);
            }
            y.attach(caller);
            return y;
        }
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

    private static NDArray conv(NDArray in, NDArray w, NDArray b, int padH, int padW) {
        return Convolution.conv2d(in, w, b, padH, padW, 1);
    }

    /**
     * Weights (C·4, Cin, 3, 3) of the phase convolution, in pixel-shuffle channel order
     * {@code c·4 + a·2 + b}: kernel {@code R_a · w_c · R_bᵀ} with the row folds below.
     */
    static NDArray phaseWeights(NDArray weight, NDManager manager) {
        Shape s = weight.getShape();
        int cout = (int) s.get(0);
        int cin = (int) s.get(1);
        float[] w = weight.toFloatArray();
        // FOLD[a][new offset][old offset]: which original kernel rows land on half-res rows i-1, i, i+1
        int[][][] fold = {{{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}, {{0, 0, 0}, {1, 1, 0}, {0, 0, 1}}};
        float[] out = new float[cout * 4 * cin * 9];
        for (int c = 0; c < cout; c++) {
            for (int a = 0; a < 2; a++) {
                for (int bb = 0; bb < 2; bb++) {
                    int oc = c * 4 + a * 2 + bb;
                    for (int k = 0; k < cin; k++) {
                        int src = (c * cin + k) * 9;
                        int dst = (oc * cin + k) * 9;
                        for (int ny = 0; ny < 3; ny++) {
                            for (int nx = 0; nx < 3; nx++) {
                                float acc = 0;
                                for (int oy = 0; oy < 3; oy++) {
                                    if (fold[a][ny][oy] == 0) {
                                        continue;
                                    }
                                    for (int ox = 0; ox < 3; ox++) {
                                        if (fold[bb][nx][ox] != 0) {
                                            acc += w[src + oy * 3 + ox];
                                        }
                                    }
                                }
                                out[dst + ny * 3 + nx] = acc;
                            }
                        }
                    }
                }
            }
        }
        return manager.create(out, new Shape(cout * 4L, cin, 3, 3)).toDevice(weight.getDevice(), false);
    }
}
