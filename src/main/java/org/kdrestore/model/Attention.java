package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

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
        Shape s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray out;
        try (NDScope scope = new NDScope()) {
            // qkv and its depthwise conv on row strips in inference: only one 3·C-channel tensor at full size
            NDArray qkvOut = RowStrips.apply(x, 3 * (int) c, 1, t -> qkvDwconv.apply(qkv.apply(t)));
            NDList qkvParts = qkvOut.split(3, 1);
            NDArray q = l2Normalize(qkvParts.get(0).reshape(b, heads, c / heads, h * w));
            NDArray k = l2Normalize(qkvParts.get(1).reshape(b, heads, c / heads, h * w));
            NDArray v = qkvParts.get(2).reshape(b, heads, c / heads, h * w);
            NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).mul(temperature.getArray()).softmax(-1);
            out = projectOut.apply(attn.matMul(v).reshape(b, c, h, w));
            NDScope.unregister(out);
        }
        return Scopes.handOver(out);
    }

    /** torch.nn.functional.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12). */
    static NDArray l2Normalize(NDArray x) {
        // The floor is a native scalar, not maximum(Number): DJL builds a Number's scalar on a Java
        // buffer and frees it after the op while autograd keeps it for backward (garbage gradients
        // when training; see the student's fix 0ca6fa5). Same forward values.
        NDArray floor = x.getManager().full(new Shape(), 1e-12f, x.getDataType());
        return x.div(x.norm(new int[] {-1}, true).maximum(floor));
    }
}
