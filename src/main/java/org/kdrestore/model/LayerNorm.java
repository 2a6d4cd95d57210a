package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.Engines;

/**
 * Restormer's channel LayerNorm: normalises each pixel over its C channels (upstream reshapes
 * to (B, HW, C) and normalises the last axis; we reduce axis 1 of NCHW, which is the same sum).
 * The variance is the biased one, eps 1e-5 inside the square root. The parameters sit in a child
 * {@code body}, as upstream's keys do ({@code norm1.body.weight}).
 */
public final class LayerNorm extends UnaryBlock {
    static final float EPS = 1e-5f;
    private final UnaryBlock body;

    public LayerNorm(int channels, LayerNormType type) {
        body = addChildBlock("body", type == LayerNormType.BIAS_FREE ? new BiasFree(channels) : new WithBias(channels));
    }

    @Override
    public NDArray apply(NDArray x) {
        return body.apply(x);
    }

    private static Parameter param(String name, int channels, Initializer init) {
        return Parameter.builder().setName(name).setType(name.equals("bias") ? Parameter.Type.BIAS : Parameter.Type.GAMMA)
                .optShape(new Shape(channels)).optInitializer(init).build();
    }

    private static NDArray perChannel(Parameter p) {
        NDArray a = p.getArray();
        return a.reshape(1, a.getShape().get(0), 1, 1);
    }

    /**
     * Mean over channels of the squared centred values. The full-size square is freed at once:
     * inside a caller's {@link ai.djl.ndarray.NDScope} every temporary would otherwise live until the
     * scope closes (in inference the normalisation below is also done in place, for the same reason).
     * Closing a handle early is safe under autograd: the graph keeps its own reference.
     */
    static NDArray variance(NDArray centred) {
        try (NDArray sq = centred.square()) {
            return sq.mean(new int[] {1}, true);
        }
    }

    /** (x − μ) / √(σ² + eps) · weight + bias. */
    static final class WithBias extends UnaryBlock {
        private final Parameter weight;
        private final Parameter bias;

        WithBias(int channels) {
            weight = addParameter(param("weight", channels, Initializer.ONES));
            bias = addParameter(param("bias", channels, Initializer.ZEROS));
        }

        @Override
        public NDArray apply(NDArray x) {
            if (Bf16.active()) {
                // bfloat16 training: libtorch's fused layer_norm over the channels (the same biased variance and eps,
                // float32 throughout, other rounding): one pass forward and two backward instead of the ~15
                // element-wise passes of the formula below; a teacher train step 1.06 -> 0.88 s, medians of 10 (docs/bench.md).
                // float32 keeps upstream's formula, so float32 runs stay bit for bit what they were.
                NDArray y = ai.djl.nn.norm.LayerNorm.layerNorm(x.transpose(0, 2, 3, 1), new Shape(x.getShape().get(1)),
                        weight.getArray(), bias.getArray(), EPS).singletonOrThrow();
                return y.transpose(0, 3, 1, 2);
            }
            NDArray centred = x.sub(x.mean(new int[] {1}, true));
            NDArray std = variance(centred).add(EPS).sqrt();
            if (!Engines.gradientWanted(x)) {
                return centred.divi(std).muli(perChannel(weight)).addi(perChannel(bias));
            }
            return centred.div(std).mul(perChannel(weight)).add(perChannel(bias));
        }
    }

    /** x / √(σ² + eps) · weight — the mean is used for σ² but not subtracted from x. */
    static final class BiasFree extends UnaryBlock {
        private final Parameter weight;

        BiasFree(int channels) {
            weight = addParameter(param("weight", channels, Initializer.ONES));
        }

        @Override
        public NDArray apply(NDArray x) {
            NDArray std;
            try (NDArray centred = x.sub(x.mean(new int[] {1}, true))) {
                std = variance(centred).add(EPS).sqrt();
            }
            NDArray y = x.div(std);
            return Engines.gradientWanted(x) ? y.mul(perChannel(weight)) : y.muli(perChannel(weight));
        }
    }
}
