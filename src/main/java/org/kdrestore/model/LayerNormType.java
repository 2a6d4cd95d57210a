package org.kdrestore.model;

import java.util.Arrays;

/** Upstream's {@code LayerNorm_type}: {@code WithBias} (the default) or {@code BiasFree}. */
public enum LayerNormType {
    WITH_BIAS("WithBias"),
    BIAS_FREE("BiasFree");

    private final String upstreamName;

    LayerNormType(String upstreamName) {
        this.upstreamName = upstreamName;
    }

    public String upstreamName() {
        return upstreamName;
    }

    /**
     * Accepts upstream's spelling. Note upstream treats every value other than "BiasFree" as
     * WithBias; we refuse unknown names instead, since a typo would silently change the model.
     */
    public static LayerNormType parse(String name) {
        for (LayerNormType t : values()) {
            if (t.upstreamName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("LayerNorm type '" + name + "' is not one of "
                + Arrays.stream(values()).map(LayerNormType::upstreamName).toList());
    }
}
