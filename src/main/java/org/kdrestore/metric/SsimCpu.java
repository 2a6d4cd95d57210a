package org.kdrestore.metric;

import java.util.stream.IntStream;

/**
 * The same SSIM as {@link Ssim} (float32, pytorch-msssim conventions) computed in plain Java for
 * the metric path, where no gradient is needed. Why: PyTorch's CPU depthwise convolution (the
 * Gaussian filter) runs at about 2 GFLOP/s, so 1080p SSIM cost about 1 s on the engine. Here each
 * row of the five local moments is filtered as it is produced: the vertical 11-tap pass
 * accumulates E[x], E[y], E[x²], E[y²], E[xy] for one output row (products made on the fly),
 * the horizontal pass filters those five rows, and the SSIM and contrast-structure terms are
 * summed at once; nothing larger than a few rows is ever stored, so it all stays in cache.
 * Plain loops over contiguous float arrays, which the JIT vectorises; planes and row blocks are
 * shared across the cores. Sums of the maps are kept in double; the result differs from the
 * engine's by float32 rounding only (well under the 1e-5 of the golden tests).
 */
final class SsimCpu {
    private static final int ROWS_PER_TASK = 32;

    private SsimCpu() {}

    /**
     * Mean SSIM and mean contrast-structure per plane, {@code [2][planes]}.
     *
     * @param x planes × h × w values, row-major
     * @param win the normalised 1-D Gaussian
     */
    static double[][] ssimAndCs(float[] x, float[] y, int planes, int h, int w, float[] win, float c1, float c2) {
        // an axis shorter than the window is not filtered (as upstream)
        float[] tv = h >= win.length ? win : new float[] {1f};
        float[] th = w >= win.length ? win : new float[] {1f};
        int hOut = h - tv.length + 1;
        int wOut = w - th.length + 1;
        int blocks = (hOut + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        double[][] partS = new double[planes][blocks];
        double[][] partC = new double[planes][blocks];
        Runnable work = () -> IntStream.range(0, planes * blocks).parallel().forEach(t -> {
            int p = t / blocks;
            int b = t % blocks;
            int r0 = b * ROWS_PER_TASK;
            int r1 = Math.min(hOut, r0 + ROWS_PER_TASK);
            double[] sc = block(x, y, p * (long) h * w, w, r0, r1, tv, th, wOut, c1, c2);
            partS[p][b] = sc[0];
            partC[p][b] = sc[1];
        });
        work.run();
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
    private static double[] block(float[] x, float[] y, long base, int w, int r0, int r1, float[] tv, float[] th, int wOut,
            float c1, float c2) {
        float[] v0 = new float[w];
        float[] v1 = new float[w];
        float[] v2 = new float[w];
        float[] v3 = new float[w];
        float[] v4 = new float[w];
        float[] h0 = new float[wOut];
        float[] h1 = new float[wOut];
        float[] h2 = new float[wOut];
        float[] h3 = new float[wOut];
        float[] h4 = new float[wOut];
        double sumS = 0;
        double sumC = 0;
        for (int r = r0; r < r1; r++) {
            java.util.Arrays.fill(v0, 0f);
            java.util.Arrays.fill(v1, 0f);
            java.util.Arrays.fill(v2, 0f);
            java.util.Arrays.fill(v3, 0f);
            java.util.Arrays.fill(v4, 0f);
            for (int k = 0; k < tv.length; k++) {
                vertical(x, y, (int) (base + (long) (r + k) * w), w, tv[k], v0, v1, v2, v3, v4);
            }
            java.util.Arrays.fill(h0, 0f);
            java.util.Arrays.fill(h1, 0f);
            java.util.Arrays.fill(h2, 0f);
            java.util.Arrays.fill(h3, 0f);
            java.util.Arrays.fill(h4, 0f);
            for (int k = 0; k < th.length; k++) {
                horizontal(v0, h0, k, wOut, th[k]);
                horizontal(v1, h1, k, wOut, th[k]);
                horizontal(v2, h2, k, wOut, th[k]);
                horizontal(v3, h3, k, wOut, th[k]);
                horizontal(v4, h4, k, wOut, th[k]);
            }
            double rowS = 0;
            double rowC = 0;
            for (int j = 0; j < wOut; j++) {
                float mu1 = h0[j];
                float mu2 = h1[j];
                float mu1Sq = mu1 * mu1;
                float mu2Sq = mu2 * mu2;
                float mu1Mu2 = mu1 * mu2;
                float s1 = h2[j] - mu1Sq;
                float s2 = h3[j] - mu2Sq;
                float s12 = h4[j] - mu1Mu2;
                float cs = (s12 * 2 + c2) / (s1 + s2 + c2);
                rowC += cs;
                rowS += (mu1Mu2 * 2 + c1) / (mu1Sq + mu2Sq + c1) * cs;
            }
            sumS += rowS;
            sumC += rowC;
        }
        return new double[] {sumS, sumC};
    }

    private static void vertical(float[] x, float[] y, int off, int w, float g, float[] v0, float[] v1, float[] v2, float[] v3,
            float[] v4) {
        for (int j = 0; j < w; j++) {
            float a = x[off + j];
            float b = y[off + j];
            float ga = g * a;
            float gb = g * b;
            v0[j] += ga;
            v1[j] += gb;
            v2[j] += ga * a;
            v3[j] += gb * b;
            v4[j] += ga * b;
        }
    }

    private static void horizontal(float[] v, float[] out, int k, int wOut, float g) {
        for (int j = 0; j < wOut; j++) {
            out[j] += g * v[j + k];
        }
    }
}
