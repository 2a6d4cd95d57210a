package org.kdrestore.model;

import java.util.List;

/**
 * Floating-point operations of one forward pass, counted from the layer shapes.
 *
 * <p>Definition: a multiply-add counts as 2 FLOPs; only convolutions and matrix products are
 * counted (they are more than 99% of the work); activations, norms, pooling, softmax,
 * upsampling and additions are left out. A convolution costs
 * {@code 2 · (Cin/groups) · k² · Cout · Hout · Wout}. This is the figure to divide by a time
 * to get an achieved GFLOP/s that can be compared with a matrix-multiply peak.
 */
public final class Flops {
    private Flops() {}

    /** The definition, printed under every table that shows a FLOP count. */
    public static final String DEFINITION = "FLOPs per forward pass counted from layer shapes: a multiply-add = 2 FLOPs; "
            + "convolution 2·Cin·Cout·k²·H·W/groups; Restormer attention adds q·kᵀ and attn·v, 2·C²·H·W/heads each; "
            + "biases, activations, norms, softmax, pooling, resampling and additions are not counted";

    /** "52.6 GFLOPs" style. */
    public static String human(double flops) {
        if (flops >= 1e12) {
            return String.format(java.util.Locale.ROOT, "%.2f TFLOPs", flops / 1e12);
        }
        return String.format(java.util.Locale.ROOT, "%.1f GFLOPs", flops / 1e9);
    }

    /** FLOPs of a convolution with 'same' output size {@code h × w}. */
    public static double conv(long cin, long cout, int k, long groups, long h, long w) {
        return 2.0 * (cin / groups) * k * k * cout * h * w;
    }

    /**
     * The student at input {@code n × 3 × h × w} (odd sizes are padded by one, as the model does):
     * encoder conv at full size, middle convs at half size, decoder conv at full size.
     */
    public static double student(StudentConfig cfg, long n, long h, long w) {
        long he = h + h % 2;
        long we = w + w % 2;
        int c = cfg.width();
        double f = conv(3, c, 3, 1, he, we);
        f += cfg.depth() * conv(c, c, 3, 1, he / 2, we / 2);
        f += conv(c, 3, 3, 1, he, we);
        return n * f;
    }

    /** Student FLOPs of one 1920×1080 frame. */
    public static double studentPer1080p(StudentConfig cfg) {
        return student(cfg, 1, 1080, 1920);
    }

    /**
     * Restormer at input {@code n × Cin × h × w}; {@code h} and {@code w} are first rounded up
     * to a multiple of 8, as inference pads them. Per transformer block at {@code C} channels,
     * {@code heads} heads and {@code P} pixels: attention qkv 1×1 (C→3C), its 3×3 depthwise
     * conv, q·kᵀ and attn·v ({@code 2·C²/heads·P} each), the 1×1 projection; feed-forward
     * 1×1 (C→2F), 3×3 depthwise on 2F, 1×1 (F→C) with {@code F = floor(C·ffn)}.
     */
    public static double restormer(RestormerConfig cfg, long n, long h, long w) {
        h = (h + 7) / 8 * 8;
        w = (w + 7) / 8 * 8;
        int d = cfg.dim();
        List<Integer> nb = cfg.numBlocks();
        List<Integer> hd = cfg.heads();
        double f = conv(cfg.inpChannels(), d, 3, 1, h, w); // patch embedding
        long[] hs = {h, h / 2, h / 4, h / 8};
        long[] ws = {w, w / 2, w / 4, w / 8};
        for (int l = 0; l < 4; l++) { // encoder levels 1..3 and latent
            f += nb.get(l) * block(cfg, (long) d << l, hd.get(l), hs[l], ws[l]);
        }
        for (int l = 0; l < 3; l++) { // downsample: conv C→C/2 at the higher resolution, then unshuffle
            long c = (long) d << l;
            f += conv(c, c / 2, 3, 1, hs[l], ws[l]);
        }
        for (int l = 3; l >= 1; l--) { // upsample: conv C→2C at the lower resolution, then shuffle to C/2
            long c = (long) d << l;
            f += conv(c, 2 * c, 3, 1, hs[l], ws[l]);
        }
        // channel reductions after the skip concatenation (levels 3 and 2; level 1 keeps 2·dim)
        f += conv(8L * d, 4L * d, 1, 1, hs[2], ws[2]);
        f += conv(4L * d, 2L * d, 1, 1, hs[1], ws[1]);
        f += nb.get(2) * block(cfg, 4L * d, hd.get(2), hs[2], ws[2]);
        f += nb.get(1) * block(cfg, 2L * d, hd.get(1), hs[1], ws[1]);
        f += nb.get(0) * block(cfg, 2L * d, hd.get(0), h, w);
        f += cfg.numRefinementBlocks() * block(cfg, 2L * d, hd.get(0), h, w);
        if (cfg.dualPixelTask()) {
            f += conv(d, 2L * d, 1, 1, h, w);
        }
        f += conv(2L * d, cfg.outChannels(), 3, 1, h, w);
        return n * f;
    }

    /** torchvision VGG16 {@code features} configuration: output channels, 0 for a 2×2 max-pool. */
    private static final int[] VGG16 = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};

    /**
     * VGG16 features up to (and including) {@code deepest}, on {@code n × 3 × h × w}: the
     * 3×3 convolutions of torchvision's {@code features[:deepest.end]}.
     */
    public static double vgg16(Vgg16Features.Layer deepest, long n, long h, long w) {
        double f = 0;
        int modules = 0;
        long cin = 3;
        for (int c : VGG16) {
            if (modules >= deepest.end) {
                break;
            }
            if (c == 0) {
                h /= 2;
                w /= 2;
                modules++;
            } else {
                f += conv(cin, c, 3, 1, h, w);
                cin = c;
                modules += 2;
            }
        }
        return n * f;
    }

    /** One transformer block (attention + gated feed-forward) at {@code c} channels. */
    static double block(RestormerConfig cfg, long c, int heads, long h, long w) {
        long p = h * w;
        double f = conv(c, 3 * c, 1, 1, h, w) + conv(3 * c, 3 * c, 3, 3 * c, h, w);
        f += 2 * (2.0 * c * c / heads * p); // q·kᵀ and attn·v
        f += conv(c, c, 1, 1, h, w);
        long hidden = (long) (c * cfg.ffnExpansionFactor());
        f += conv(c, 2 * hidden, 1, 1, h, w) + conv(2 * hidden, 2 * hidden, 3, 2 * hidden, h, w);
        f += conv(hidden, c, 1, 1, h, w);
        return f;
    }
}
