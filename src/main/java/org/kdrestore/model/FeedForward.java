package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Activation;

/**
 * GDFN, gated-Dconv feed-forward network: a 1×1 conv to 2·hidden channels, a depthwise 3×3 conv,
 * then one half gated by the exact (erf) GELU of the other, and a 1×1 conv back. hidden =
 * int(dim · ffn_expansion_factor), truncated as Python's int() does.
 */
public final class FeedForward extends UnaryBlock {
    private final Conv projectIn;
    private final Conv dwconv;
    private final Conv projectOut;

    public FeedForward(int dim, double expansion, boolean bias) {
        int hidden = hiddenFeatures(dim, expansion);
        projectIn = addChildBlock("project_in", Conv.dense(dim, hidden * 2, 1, bias));
        dwconv = addChildBlock("dwconv", Conv.depthwise(hidden * 2, 3, bias));
        projectOut = addChildBlock("project_out", Conv.dense(hidden, dim, 1, bias));
    }

    static int hiddenFeatures(int dim, double expansion) {
        return (int) (dim * expansion);
    }

    @Override
    public NDArray apply(NDArray x) {
        // In inference the whole GDFN runs on row strips (1-row halo for the 3×3 depthwise conv): its
        // 2·hidden-channel tensors are the model's largest (1 GB each at 544×960 with dim 96).
        NDArray out = RowStrips.apply(x, (int) projectIn.outChannels(), 1, this::whole);
        return Scopes.handOver(out);
    }

    private NDArray whole(NDArray x) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            // These are the largest tensors of the model (2·2.66·dim channels): free each early.
            NDArray d = projectIn.applyChannelsLastThen(dwconv, x);
            NDList halves = d.split(2, 1);
            NDArray gated = gelu(halves.get(0)).mul(halves.get(1));
            d.close();
            out = projectOut.apply(gated);
            NDScope.unregister(out);
        }
        return out;
    }

    /** Exact GELU, 0.5·x·(1 + erf(x/√2)); DJL's PyTorch gelu is torch's default (not tanh) one. */
    static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }
}
