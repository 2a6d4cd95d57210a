package org.kdrestore.metric;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * The same SSIM as {@link Ssim} (float32, pytorch-msssim conventions) computed in plain Java for
 * the metric path, where no gradient is needed. Why: PyTorch's CPU depthwise convolution (the
 * Gaussian filter) runs at about 2–5 GFLOP/s, so 1080p SSIM cost about 1 s on the engine. Here the
 * five local moments x, y, x², y², xy of the last (window) input rows sit in a ring of row arrays;
 * each output row is filtered vertically from the ring, then horizontally, and its SSIM and
 * contrast-structure terms are summed at once. Nothing larger than a few rows is stored, so it
 * all stays in cache; planes and row blocks are shared across the cores.
 *
 * <p>How the loops are written matters: HotSpot 17 vectorises a loop only when every array is
 * read at the same index as the one written ({@code out[j] = Σ g·a_k[j]} over distinct arrays),
 * not a stencil ({@code out[j] = Σ g·v[j+k]}: scalar, 4–6× slower). So the vertical pass reads
 * the ring's row arrays, and the horizontal pass reads shifted copies of the row
 * ({@code System.arraycopy}, a few percent of the time). The result differs from the engine's by
 * float32 rounding only (well under the 1e-5 of the golden tests); sums are kept in double.
 */
final class SsimCpu {
    private static final int ROWS_PER_TASK = 32;
    /** The five local moments: x, y, x², y², xy. */
    private static final int MAPS = 5;

    private SsimCpu() {}

    /**
     * Mean SSIM and mean contrast-structure per plane, {@code [2][planes]}.
     *
     * @param x planes × h × w values, row-major (read with absolute gets: a view of the tensor's
     *     memory serves, no copy of the image is made)
     * @param win the normalised 1-D Gaussian
     */
    static double[][] ssimAndCs(FloatBuffer x, FloatBuffer y, int planes, int h, int w, float[] win, float c1, float c2) {
        // an axis shorter than the window is not filtered (as upstream)
        float[] tv = h >= win.length ? win : new float[] {1f};
        float[] th = w >= win.length ? win : new float[] {1f};
        int hOut = h - tv.length + 1;
        int wOut = w - th.length + 1;
        int blocks = (hOut + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        double[][] partS = new double[planes][blocks];
        double[][] partC = new double[planes][blocks];
        // absolute FloatBuffer gets only: the views are read by every task and never repositioned
        IntStream.range(0, planes * blocks).parallel().forEach(t -> {
            int p = t / blocks;
            int b = t % blocks;
            int r0 = b * ROWS_PER_TASK;
            int r1 = Math.min(hOut, r0 + ROWS_PER_TASK);
            double[] sc = block(x, y, p * (long) h * w, w, r0, r1, tv, th, wOut, c1, c2);
            partS[p][b] = sc[0];
            partC[p][b] = sc[1];
        });
        double[][] out = new double[2][planes];
        double n = (double) hOut * wOut;
        for (int p = 0; p < planes; p++) {
            double s = 0;
            double c = 0;
            for (int b = 0; b < blocks; b++) {
                s += partS[p][b];
                c += partC[p][b];
            }
            out[0][p] = s / n;
            out[1][p] = c / n;
        }
        return out;
    }

    /** Sums of the SSIM and cs maps over output rows r0..r1-1 of one plane. */
    private static double[] block(FloatBuffer x, FloatBuffer y, long base, int w, int r0, int r1, float[] tv, float[] th, int wOut,
            float c1, float c2) {
        int kv = tv.length;
        int kh = th.length;
        float[][][] ring = new float[MAPS][kv][w];
        float[][] v = new float[MAPS][w];
        float[][] shifted = new float[kh][wOut];
        float[][] f = new float[MAPS][wOut];
        float[][] rows = new float[kv][];
        // per-column sums over this block's rows, in float so the loop vectorises (at most
        // ROWS_PER_TASK terms each); the columns are then summed in double
        float[] colS = new float[wOut];
        float[] colC = new float[wOut];
        for (int i = r0; i < r0 + kv - 1; i++) {
            load(x, y, (int) (base + (long) i * w), w, ring, i % kv);
        }
        for (int r = r0; r < r1; r++) {
            int last = r + kv - 1;
            load(x, y, (int) (base + (long) last * w), w, ring, last % kv);
            for (int m = 0; m < MAPS; m++) {
                for (int k = 0; k < kv; k++) {
                    rows[k] = ring[m][(r + k) % kv];
                }
                weightedSum(rows, tv, v[m], w);
                for (int k = 0; k < kh; k++) {
                    System.arraycopy(v[m], k, shifted[k], 0, wOut);
                }
                weightedSum(shifted, th, f[m], wOut);
            }
            combine(f[0], f[1], f[2], f[3], f[4], colS, colC, wOut, c1, c2);
        }
        double sumS = 0;
        double sumC = 0;
        for (int j = 0; j < wOut; j++) {
            sumS += colS[j];
            sumC += colC[j];
        }
        return new double[] {sumS, sumC};
    }

    /** One input row into ring slot {@code slot}: x, y, x², y², xy. */
    private static void load(FloatBuffer x, FloatBuffer y, int off, int w, float[][][] ring, int slot) {
        float[] a = ring[0][slot];
        float[] b = ring[1][slot];
        float[] aa = ring[2][slot];
        float[] bb = ring[3][slot];
        float[] ab = ring[4][slot];
        x.get(off, a, 0, w);
        y.get(off, b, 0, w);
        for (int j = 0; j < w; j++) {
            aa[j] = a[j] * a[j];
            bb[j] = b[j] * b[j];
            ab[j] = a[j] * b[j];
        }
    }

    /** SSIM and cs of one row of filtered moments, added to the column sums. */
    private static void combine(float[] mx, float[] my, float[] mxx, float[] myy, float[] mxy, float[] colS, float[] colC, int wOut,
            float c1, float c2) {
        for (int j = 0; j < wOut; j++) {
            float mu1 = mx[j];
            float mu2 = my[j];
            float mu1Sq = mu1 * mu1;
            float mu2Sq = mu2 * mu2;
            float mu1Mu2 = mu1 * mu2;
            float s1 = mxx[j] - mu1Sq;
            float s2 = myy[j] - mu2Sq;
            float s12 = mxy[j] - mu1Mu2;
            float cs = (s12 * 2 + c2) / (s1 + s2 + c2);
            colC[j] += cs;
            colS[j] += (mu1Mu2 * 2 + c1) / (mu1Sq + mu2Sq + c1) * cs;
        }
    }

    /**
     * out[j] = Σ_k g[k]·a[k][j] for j < n. The usual 11-tap window in one pass with the taps in
     * registers; other lengths tap by tap.
     */
    private static void weightedSum(float[][] a, float[] g, float[] out, int n) {
        if (g.length == 11) {
            weightedSum11(a, g, out, n);
            return;
        }
        float[] a0 = a[0];
        float g0 = g[0];
        for (int j = 0; j < n; j++) {
            out[j] = g0 * a0[j];
        }
        for (int k = 1; k < g.length; k++) {
            float[] ak = a[k];
            float gk = g[k];
            for (int j = 0; j < n; j++) {
                out[j] = Math.fma(gk, ak[j], out[j]);
            }
        }
    }

    private static void weightedSum11(float[][] a, float[] g, float[] out, int n) {
        float[] a0 = a[0];
        float[] a1 = a[1];
        float[] a2 = a[2];
        float[] a3 = a[3];
        float[] a4 = a[4];
        float[] a5 = a[5];
        float[] a6 = a[6];
        float[] a7 = a[7];
        float[] a8 = a[8];
        float[] a9 = a[9];
        float[] a10 = a[10];
        float g0 = g[0]; float g1 = g[1]; float g2 = g[2]; float g3 = g[3]; float g4 = g[4]; float g5 = g[5];
        float g6 = g[6]; float g7 = g[7]; float g8 = g[8]; float g9 = g[9]; float g10 = g[10];
        for (int j = 0; j < n; j++) {
            float s = g0 * a0[j];
            s = Math.fma(g1, a1[j], s);
            s = Math.fma(g2, a2[j], s);
            s = Math.fma(g3, a3[j], s);
            s = Math.fma(g4, a4[j], s);
            s = Math.fma(g5, a5[j], s);
            s = Math.fma(g6, a6[j], s);
            s = Math.fma(g7, a7[j], s);
            s = Math.fma(g8, a8[j], s);
            s = Math.fma(g9, a9[j], s);
            s = Math.fma(g10, a10[j], s);
            out[j] = s;
        }
    }
}
