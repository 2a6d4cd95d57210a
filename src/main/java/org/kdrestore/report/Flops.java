package org.kdrestore.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.model.StudentConfig;

/**
 * Floating-point operations of one forward pass, counted from layer shapes. Definition (printed
 * in reports as {@link #DEFINITION}): a multiply-add is 2 FLOPs; a convolution costs
 * {@code 2·Cin·Cout·k²·Hout·Wout / groups}; Restormer's attention adds its two matmuls per block,
 * {@code q·kᵀ} and {@code attn·v}, each {@code 2·(C/heads)²·H·W·heads = 2·C²·H·W/heads}. Not
 * counted: biases, activations, normalisation, softmax, pooling, up/down-sampling copies and
 * residual additions (each is at most a few FLOPs per activation, well under 1% here).
 */
public final class Flops {
    private Flops() {}

    public static final String DEFINITION = "FLOPs per forward pass counted from layer shapes: a multiply-add = 2 FLOPs; "
            + "convolution 2·Cin·Cout·k²·H·W/groups; Restormer attention adds q·kᵀ and attn·v, 2·C²·H·W/heads each; "
            + "biases, activations, norms, softmax, pooling, resampling and additions are not counted";

    /** A FLOP count with its breakdown by part (insertion order). */
    public record Count(long total, Map<String, Long> parts) {}

    private static final class Acc {
        final Map<String, Long> parts = new LinkedHashMap<>();

        void add(String part, long flops) {
            parts.merge(part, flops, Long::sum);
        }

        Count count() {
            return new Count(parts.values().stream().mapToLong(Long::longValue).sum(), Map.copyOf(parts));
        }
    }

    /** 2·Cin·Cout·k²·H·W/groups. */
    public static long conv(long cin, long cout, long k, long h, long w, long groups) {
        return 2 * cin * cout * k * k * h * w / groups;
    }

    /**
     * The student CNN on an H×W image (odd sides are padded to even first, as the network does):
     * encoder conv 3→w at H×W, {@code depth} convs w→w at H/2×W/2 (after the max-pool), decoder
     * conv w→3 at H×W (after the ×2 upsampling).
     */
    public static Count student(StudentConfig c, long height, long width) {
        long h = height + height % 2;
        long w = width + width % 2;
        Acc a = new Acc();
        a.add("encoder conv", conv(3, c.width(), 3, h, w, 1));
        for (int i = 0; i < c.depth(); i++) {
            a.add("middle convs", conv(c.width(), c.width(), 3, h / 2, w / 2, 1));
        }
        a.add("decoder conv", conv(c.width(), 3, 3, h, w, 1));
        return a.count();
    }

    /**
     * Restormer on an H×W image, padded to multiples of 8 as the inference does. Level l (0..3)
     * runs at (H/2^l)×(W/2^l) with dim·2^l channels; the decoder's level-1 and refinement blocks
     * work on 2·dim channels at full size.
     */
    public static Count restormer(RestormerConfig c, long height, long width) {
        long h = (height + 7) / 8 * 8;
        long w = (width + 7) / 8 * 8;
        int d = c.dim();
        Acc a = new Acc();
        a.add("patch embed", conv(c.inpChannels(), d, 3, h, w, 1));
        blocks(a, c, d, 0, c.numBlocks().get(0), h, w);
        a.add("downsample", conv(d, d / 2, 3, h, w, 1));
        blocks(a, c, 2 * d, 1, c.numBlocks().get(1), h / 2, w / 2);
        a.add("downsample", conv(2 * d, d, 3, h / 2, w / 2, 1));
        blocks(a, c, 4 * d, 2, c.numBlocks().get(2), h / 4, w / 4);
        a.add("downsample", conv(4 * d, 2 * d, 3, h / 4, w / 4, 1));
        blocks(a, c, 8 * d, 3, c.numBlocks().get(3), h / 8, w / 8);
        a.add("upsample", conv(8 * d, 16 * d, 3, h / 8, w / 8, 1));
        a.add("channel reduction", conv(8 * d, 4 * d, 1, h / 4, w / 4, 1));
        blocks(a, c, 4 * d, 2, c.numBlocks().get(2), h / 4, w / 4);
        a.add("upsample", conv(4 * d, 8 * d, 3, h / 4, w / 4, 1));
        a.add("channel reduction", conv(4 * d, 2 * d, 1, h / 2, w / 2, 1));
        blocks(a, c, 2 * d, 1, c.numBlocks().get(1), h / 2, w / 2);
        a.add("upsample", conv(2 * d, 4 * d, 3, h / 2, w / 2, 1));
        blocks(a, c, 2 * d, 0, c.numBlocks().get(0), h, w);
        blocks(a, c, 2 * d, 0, c.numRefinementBlocks(), h, w);
        if (c.dualPixelTask()) {
            a.add("skip conv", conv(d, 2 * d, 1, h, w, 1));
        }
        a.add("output conv", conv(2 * d, c.outChannels(), 3, h, w, 1));
        return a.count();
    }

    /** {@code n} transformer blocks of {@code dim} channels at h×w: MDTA then GDFN. */
    private static void blocks(Acc a, RestormerConfig c, long dim, int level, int n, long h, long w) {
        long heads = c.heads().get(level);
        long hidden = (long) (dim * c.ffnExpansionFactor()); // upstream: int(dim * ffn_expansion_factor)
        for (int i = 0; i < n; i++) {
            a.add("attention convs", conv(dim, 3 * dim, 1, h, w, 1) + conv(3 * dim, 3 * dim, 3, h, w, 3 * dim)
                    + conv(dim, dim, 1, h, w, 1));
            a.add("attention matmuls", 2 * (2 * dim * dim * h * w / heads));
            a.add("feed-forward convs", conv(dim, 2 * hidden, 1, h, w, 1) + conv(2 * hidden, 2 * hidden, 3, h, w, 2 * hidden)
                    + conv(hidden, dim, 1, h, w, 1));
        }
    }

    /** "52.6 GFLOPs" style. */
    public static String human(long flops) {
        if (flops >= 1_000_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.2f TFLOPs", flops / 1e12);
        }
        return String.format(java.util.Locale.ROOT, "%.1f GFLOPs", flops / 1e9);
    }
}
