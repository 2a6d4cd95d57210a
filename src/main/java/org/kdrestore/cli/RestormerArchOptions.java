package org.kdrestore.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.RestormerConfig;
import picocli.CommandLine.Option;

/** The Restormer architecture: upstream's JSON arguments, or flags; defaults = motion deblurring. */
public final class RestormerArchOptions {
    @Option(names = "--arch-config", paramLabel = "CFG.json",
            description = "JSON with upstream's Restormer arguments (dim, num_blocks, num_refinement_blocks, heads, "
                    + "ffn_expansion_factor, bias, LayerNorm_type, ...); missing ones are motion-deblurring defaults.")
    Path archConfig;

    @Option(names = "--dim", description = "Channels at level 1 (default 48).")
    Integer dim;

    @Option(names = "--blocks", split = ",", paramLabel = "N,N,N,N", description = "Transformer blocks per level (default 4,6,6,8).")
    List<Integer> blocks;

    @Option(names = "--refinement-blocks", description = "Refinement blocks (default 4).")
    Integer refinementBlocks;

    @Option(names = "--heads", split = ",", paramLabel = "H,H,H,H", description = "Attention heads per level (default 1,2,4,8).")
    List<Integer> heads;

    @Option(names = "--ffn-factor", description = "GDFN expansion factor (default 2.66).")
    Double ffnFactor;

    @Option(names = "--layernorm", paramLabel = "WithBias|BiasFree", description = "LayerNorm type (default WithBias).")
    String layerNorm;

    @Option(names = "--bias", arity = "1", paramLabel = "true|false", description = "Convolutions with bias (default false).")
    Boolean bias;

    public RestormerConfig config() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (archConfig != null) {
            if (dim != null || blocks != null || refinementBlocks != null || heads != null || ffnFactor != null
                    || layerNorm != null || bias != null) {
                throw new UserInputException("--arch-config " + archConfig + " and architecture flags (--dim, --blocks, ...) "
                        + "cannot be combined; put everything in the JSON");
            }
            if (!Files.isRegularFile(archConfig)) {
                throw new UserInputException("--arch-config " + archConfig + " does not exist");
            }
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> read = Json.MAPPER.readValue(archConfig.toFile(), Map.class);
                m.putAll(read);
            } catch (Exception e) {
                throw new UserInputException("--arch-config " + archConfig + " is not a JSON object: " + e.getMessage(), e);
            }
        }
        put(m, "dim", dim);
        put(m, "num_blocks", blocks);
        put(m, "num_refinement_blocks", refinementBlocks);
        put(m, "heads", heads);
        put(m, "ffn_expansion_factor", ffnFactor);
        put(m, "LayerNorm_type", layerNorm);
        put(m, "bias", bias);
        try {
            return RestormerConfig.fromUpstreamMap(m);
        } catch (IllegalArgumentException e) {
            throw new UserInputException((archConfig != null ? "--arch-config " + archConfig + ": " : "architecture: ")
                    + e.getMessage(), e);
        }
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
