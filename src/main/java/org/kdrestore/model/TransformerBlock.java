package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/** x + MDTA(LN(x)), then + GDFN(LN(·)): children {@code norm1, attn, norm2, ffn} as upstream. */
public final class TransformerBlock extends UnaryBlock {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final FeedForward ffn;

    public TransformerBlock(int dim, int heads, double ffnExpansion, boolean bias, LayerNormType layerNorm) {
        norm1 = addChildBlock("norm1", new LayerNorm(dim, layerNorm));
        attn = addChildBlock("attn", new Attention(dim, heads, bias));
        norm2 = addChildBlock("norm2", new LayerNorm(dim, layerNorm));
        ffn = addChildBlock("ffn", new FeedForward(dim, ffnExpansion, bias));
    }

    public LayerNorm norm1() {
        return norm1;
    }

    public Attention attn() {
        return attn;
    }

    public LayerNorm norm2() {
        return norm2;
    }

    public FeedForward ffn() {
        return ffn;
    }

    @Override
    public NDArray apply(NDArray x) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            // Each full-size intermediate is freed as soon as it is used (the scope would keep them
            // all until the block ends: at 96 channels and 544×960 that is 200 MB each).
            NDArray a = Scopes.consume(attn, norm1.apply(x));
            NDArray y = x.add(a);
            a.close();
            NDArray f = Scopes.consume(ffn, norm2.apply(y));
            out = y.add(f);
            f.close();
            y.close();
            NDScope.unregister(out);
        }
        return Scopes.handOver(out);
    }
}
