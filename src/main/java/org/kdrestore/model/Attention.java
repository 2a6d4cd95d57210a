package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import org.kdrestore.common.Bf16;

/**
 * MDTA, multi-Dconv head transposed attention: q, k, v from a 1×1 then a depthwise 3×3 conv;
 * attention is computed across channels (a C/heads × C/heads map per head), so its cost is linear
 * in the number of pixels. q and k are L2-normalised over pixels and the logits scaled by a
 * learned per-head {@code temperature} (heads, 1, 1).
 */
public final class Attention extends UnaryBlock {
    private final int heads;
    private final Parameter temperature;
    private final Conv qkv;
    private final Conv qkvDwconv;
    private final Conv projectOut;

    public Attention(int dim, int heads, boolean bias) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
        }
        this.heads = heads;
        // Registration order as upstream: temperature is created before the convs.
        temperature = addParameter(Parameter.builder().setName("temperature").setType(Parameter.Type.OTHER)
                .optShape(new Shape(heads, 1, 1)).optInitializer(Initializer.ONES).build());
        qkv = addChildBlock("qkv", Conv.dense(dim, dim * 3, 1, bias));
        qkvDwconv = addChildBlock("qkv_dwconv", Conv.depthwise(dim * 3, 3, bias));
        projectOut = addChildBlock("project_out", Conv.dense(dim, dim, 1, bias));
    }

    @Override
    public NDArray apply(NDArray x) {
        long rows = RowStrips.rowsPerStrip(x, 3 * (int) x.getShape().get(1));
        NDArray out;
        try (NDScope scope = new NDScope()) {
            out = rows == 0 ? whole(x) : inStrips(x, rows);
            NDScope.unregister(out);
        }
        return Scopes.handOver(out);
    }

    /** q, k and v of an NCHW input (or strip) stacked on the channel axis, laid out channels-last. */
    private NDArray qkv(NDArray x) {
        return qkv.applyChannelsLastThen(qkvDwconv, x);
    }

    /** Upstream's forward, one pass over the whole input (and the path that gradients go through). */
    private NDArray whole(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDList qkvParts = qkv(x).split(3, 1);
        NDArray q = l2Normalize(qkvParts.get(0).reshape(b, heads, c / heads, h * w));
        NDArray k = l2Normalize(qkvParts.get(1).reshape(b, heads, c / heads, h * w));
        NDArray v = qkvParts.get(2).reshape(b, heads, c / heads, h * w);
        // the products in bfloat16 inside a Bf16 scope (training only), the normalisation and softmax in float32, as autocast does
        NDArray attn = product(q, k.transpose(0, 1, 3, 2)).mul(temperature.getArray()).softmax(-1);
        return projectOut.apply(product(attn, v).reshape(b, c, h, w));
    }

    private static NDArray product(NDArray a, NDArray b) {
        return Bf16.active() ? Bf16.matMul(a, b) : a.matMul(b);
    }

    /**
     * The same attention, inference only, on row strips so that no 3·C-channel tensor (nor the
     * normalised copies of q and k) ever exists at full size. The channel-by-channel map needs
     * sums over all pixels, so two passes: (1) per strip, accumulate qkᵀ and the squared norms of
     * q's and k's rows, and keep v; (2) normalise the map — (q/‖q‖)(k/‖k‖)ᵀ = qkᵀ / (‖q‖‖k‖ᵀ) —
     * softmax it, and apply it to each v strip. Equal to {@link #whole} up to float32 summation order.
     */
    private NDArray inStrips(NDArray x, long rows) {
        Shape s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        long ch = c / heads;
        NDManager manager = x.getManager();
        NDArray qk = manager.zeros(new Shape(b, heads, ch, ch), x.getDataType());
        NDArray qq = manager.zeros(new Shape(b, heads, ch, 1), x.getDataType());
        NDArray kk = manager.zeros(new Shape(b, heads, 1, ch), x.getDataType());
        NDList vs = new NDList();
        for (long r0 = 0; r0 < h; r0 += rows) {
            long r1 = Math.min(h, r0 + rows);
            try (NDScope scope = new NDScope()) {
                NDList parts = RowStrips.strip(x, r0, r1, 1, this::qkv).split(3, 1);
                long p = (r1 - r0) * w;
                NDArray q = parts.get(0).reshape(b, heads, ch, p);
                NDArray k = parts.get(1).reshape(b, heads, ch, p);
                qk.addi(q.matMul(k.transpose(0, 1, 3, 2)));
                qq.addi(q.square().sum(new int[] {-1}, true));
                kk.addi(k.square().sum(new int[] {-1}, true).transpose(0, 1, 3, 2));
                // a compact copy: a view of v would keep the whole 3·C-channel strip alive
                NDArray v = parts.get(2).reshape(b, heads, ch, p).duplicate();
                NDScope.unregister(v);
                vs.add(v);
            }
        }
        NDArray norms = floored(qq.sqrt()).mul(floored(kk.sqrt()));
        NDArray attn = qk.div(norms).mul(temperature.getArray()).softmax(-1);
        NDList outs = new NDList();
        long r0 = 0;
        for (NDArray v : vs) {
            long r1 = Math.min(h, r0 + rows);
            try (NDScope scope = new NDScope()) {
                NDArray o = projectOut.apply(attn.matMul(v).reshape(b, c, r1 - r0, w));
                NDScope.unregister(o);
                outs.add(o);
            }
            v.close();
            r0 = r1;
        }
        NDArray out = NDArrays.concat(outs, 2);
        outs.close();
        return out;
    }

    /** torch.nn.functional.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12). */
    static NDArray l2Normalize(NDArray x) {
        return x.div(floored(x.norm(new int[] {-1}, true)));
    }

    /** max(norm, 1e-12), F.normalize's floor on a norm. */
    private static NDArray floored(NDArray norm) {
        // The floor is a native scalar, not maximum(Number): DJL builds a Number's scalar on a Java
        // buffer and frees it after the op while autograd keeps it for backward (garbage gradients
        // when training; see the student's fix 0ca6fa5). Same forward values.
        return norm.maximum(norm.getManager().full(new Shape(), 1e-12f, norm.getDataType()));
    }
}
