package org.kdrestore.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upstream {@code Restormer(...)} constructor arguments. {@link #motionDeblurring()} equals
 * Motion_Deblurring/Options/Deblurring_Restormer.yml (and upstream's defaults). The map form
 * uses upstream's argument names ({@code dim}, {@code num_blocks}, {@code LayerNorm_type}, …).
 */
public record RestormerConfig(
        int inpChannels,
        int outChannels,
        int dim,
        List<Integer> numBlocks,
        int numRefinementBlocks,
        List<Integer> heads,
        double ffnExpansionFactor,
        boolean bias,
        LayerNormType layerNormType,
        boolean dualPixelTask) {

    public static final Set<String> KEYS = Set.of("inp_channels", "out_channels", "dim", "num_blocks",
            "num_refinement_blocks", "heads", "ffn_expansion_factor", "bias", "LayerNorm_type", "dual_pixel_task");

    public RestormerConfig {
        numBlocks = List.copyOf(numBlocks);
        heads = List.copyOf(heads);
        if (numBlocks.size() != 4 || heads.size() != 4) {
            throw new IllegalArgumentException("num_blocks and heads need 4 values each (one per level), got "
                    + numBlocks + " and " + heads);
        }
        if (inpChannels < 1 || outChannels < 1 || dim < 1 || numRefinementBlocks < 0 || ffnExpansionFactor <= 0) {
            throw new IllegalArgumentException("channels, dim and ffn_expansion_factor must be positive and "
                    + "num_refinement_blocks >= 0: " + this);
        }
        for (int i = 0; i < 4; i++) {
            if (numBlocks.get(i) < 0 || heads.get(i) < 1) {
                throw new IllegalArgumentException("num_blocks must be >= 0 and heads >= 1: " + numBlocks + ", " + heads);
            }
            int levelDim = dim << i;
            if (levelDim % heads.get(i) != 0) {
                throw new IllegalArgumentException("level " + (i + 1) + " has " + levelDim + " channels, not divisible by heads "
                        + heads.get(i));
            }
        }
        if (dim % 2 != 0) {
            throw new IllegalArgumentException("dim " + dim + " must be even (downsampling halves it before pixel-unshuffle)");
        }
        if ((2 * dim) % heads.get(0) != 0) {
            throw new IllegalArgumentException("decoder level 1 has " + 2 * dim + " channels, not divisible by heads " + heads.get(0));
        }
    }

    /** The pretrained motion-deblurring teacher: 494 keys, 26,126,644 parameters. */
    public static RestormerConfig motionDeblurring() {
        return new RestormerConfig(3, 3, 48, List.of(4, 6, 6, 8), 4, List.of(1, 2, 4, 8), 2.66, false,
                LayerNormType.WITH_BIAS, false);
    }

    /** The tiny config of the test fixtures: dim 8, one block per level, one refinement block. */
    public static RestormerConfig tiny(LayerNormType layerNorm, boolean bias) {
        return new RestormerConfig(3, 3, 8, List.of(1, 1, 1, 1), 1, List.of(1, 2, 4, 8), 2.66, bias, layerNorm, false);
    }

    /** Upstream's constructor arguments, by upstream's names. */
    public Map<String, Object> toUpstreamMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inp_channels", inpChannels);
        m.put("out_channels", outChannels);
        m.put("dim", dim);
        m.put("num_blocks", numBlocks);
        m.put("num_refinement_blocks", numRefinementBlocks);
        m.put("heads", heads);
        m.put("ffn_expansion_factor", ffnExpansionFactor);
        m.put("bias", bias);
        m.put("LayerNorm_type", layerNormType.upstreamName());
        m.put("dual_pixel_task", dualPixelTask);
        return m;
    }

    /**
     * Reads upstream's argument names; missing ones take the motion-deblurring defaults, a "type"
     * key (as in the options YAML) is ignored. Unknown keys or bad values throw with the key named.
     */
    public static RestormerConfig fromUpstreamMap(Map<String, ?> m) {
        Map<String, Object> d = motionDeblurring().toUpstreamMap();
        for (Map.Entry<String, ?> e : m.entrySet()) {
            if (e.getKey().equals("type")) {
                continue;
            }
            if (!KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown key '" + e.getKey() + "' (expected some of " + KEYS + ")");
            }
            d.put(e.getKey(), e.getValue());
        }
        return new RestormerConfig(integer(d, "inp_channels"), integer(d, "out_channels"), integer(d, "dim"),
                ints(d, "num_blocks"), integer(d, "num_refinement_blocks"), ints(d, "heads"),
                number(d, "ffn_expansion_factor"), bool(d, "bias"), layerNorm(d), bool(d, "dual_pixel_task"));
    }

    private static int integer(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v instanceof Number n && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        throw new IllegalArgumentException("key '" + k + "' must be an integer, got " + v);
    }

    private static double number(Map<String, Object> m, String k) {
        if (m.get(k) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("key '" + k + "' must be a number, got " + m.get(k));
    }

    private static boolean bool(Map<String, Object> m, String k) {
        if (m.get(k) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("key '" + k + "' must be true or false, got " + m.get(k));
    }

    private static List<Integer> ints(Map<String, Object> m, String k) {
        if (m.get(k) instanceof List<?> l && l.stream().allMatch(x -> x instanceof Integer)) {
            return l.stream().map(x -> (Integer) x).toList();
        }
        throw new IllegalArgumentException("key '" + k + "' must be a list of integers, got " + m.get(k));
    }

    private static LayerNormType layerNorm(Map<String, Object> m) {
        try {
            return LayerNormType.parse(String.valueOf(m.get("LayerNorm_type")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key 'LayerNorm_type': " + e.getMessage());
        }
    }
}
