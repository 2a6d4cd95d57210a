package org.kdrestore.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Adam exactly as {@code torch.optim.Adam} (single-tensor path, amsgrad off) computes it:
 * <pre>
 *   t += 1;  g += weight_decay·θ
 *   m = β1·m + (1−β1)·g;   v = β2·v + (1−β2)·g²
 *   θ −= (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * </pre>
 * written in NDArray ops because its state (m, v, t) must go into checkpoints: DJL's built-in
 * Adam keeps that state private. Parameters are addressed by their PyTorch state_dict name, so
 * the state names equal {@code optimizer.state_dict()}'s meaning (exp_avg, exp_avg_sq, step).
 */
public final class Adam implements AutoCloseable {
    /** Hyper-parameters; defaults are torch's. */
    public record Settings(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public static Settings of(double lr) {
            return new Settings(lr, 0.9, 0.999, 1e-8, 0);
        }
    }

    private final Map<String, Parameter> params;
    private final NDManager manager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private Settings settings;
    private long step;

    /** @param params the trainable parameters by name (e.g. {@code StudentCnn.namedParameters()}) */
    public Adam(Map<String, Parameter> params, Settings settings) {
        this.params = new LinkedHashMap<>(params);
        this.settings = settings;
        NDArray any = params.values().iterator().next().getArray();
        this.manager = any.getManager().newSubManager(any.getDevice());
        for (Map.Entry<String, Parameter> e : this.params.entrySet()) {
            NDArray p = e.getValue().getArray();
            expAvg.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType()));
            expAvgSq.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType()));
        }
    }

    public Settings settings() {
        return settings;
    }

    public void setLearningRate(double lr) {
        settings = new Settings(lr, settings.beta1, settings.beta2, settings.eps, settings.weightDecay);
    }

    /** Steps taken so far (torch's {@code state['step']}). */
    public long stepCount() {
        return step;
    }

    /** Sets every parameter's gradient to zero, like {@code optimizer.zero_grad(set_to_none=False)}. */
    public void zeroGrad() {
        for (Parameter p : params.values()) {
            NDArray a = p.getArray();
            if (a.hasGradient()) {
                JniUtils.zeroGrad((PtNDArray) a);
            }
        }
    }

    /**
     * One update from the gradients currently held by the parameters (after backward). A NaN or
     * infinite gradient stops it before any parameter changes, naming the parameters (the layers)
     * whose gradients are not finite: training never continues on garbage.
     */
    public void step() {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray g = e.getValue().getArray().getGradient();
            try (NDArray sum = g.sum()) {
                float v = sum.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).getFloat();
                if (!Float.isFinite(v)) {
                    bad.add(e.getKey() + (Float.isNaN(v) ? " (NaN)" : " (infinite)"));
                }
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalStateException("non-finite gradient at optimizer step " + (step + 1) + " in " + String.join(", ", bad)
                    + "; no parameter was updated");
        }
        step++;
        double b1 = settings.beta1;
        double b2 = settings.beta2;
        // torch computes these in Python floats (double), then casts to the tensor type.
        double biasCorrection1 = 1 - Math.pow(b1, step);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
        double stepSize = settings.lr / biasCorrection1;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray theta = e.getValue().getArray();
            try (NDManager scope = manager.newSubManager()) {
                NDArray g = theta.getGradient();
                g.attach(scope);
                if (settings.weightDecay != 0) {
                    g = g.add(theta.mul(settings.weightDecay));
                    g.attach(scope);
                }
                NDArray m = expAvg.get(e.getKey());
                NDArray v = expAvgSq.get(e.getKey());
                NDArray t = g.mul(1 - b1);
                t.attach(scope);
                m.muli(b1).addi(t);
                t = g.mul(g).muli(1 - b2);
                t.attach(scope);
                v.muli(b2).addi(t);
                NDArray denom = v.sqrt().divi(biasCorrection2Sqrt).addi(settings.eps);
                denom.attach(scope);
                NDArray update = m.mul(-stepSize).divi(denom);
                update.attach(scope);
                theta.addi(update);
            }
        }
    }

    /** The state as named arrays ({@code exp_avg/<param>}, {@code exp_avg_sq/<param>}) for a checkpoint. */
    public NDList state() {
        NDList out = new NDList();
        expAvg.forEach((k, v) -> {
            NDArray c = v.duplicate();
            c.setName("exp_avg/" + k);
            out.add(c);
        });
        expAvgSq.forEach((k, v) -> {
            NDArray c = v.duplicate();
            c.setName("exp_avg_sq/" + k);
            out.add(c);
        });
        return out;
    }

    /** Restores what {@link #state()} returned, and the step count. Every entry must be present. */
    public void load(Map<String, NDArray> state, long stepCount, String source) {
        for (String k : params.keySet()) {
            for (Map.Entry<String, Map<String, NDArray>> kind : Map.of("exp_avg/", expAvg, "exp_avg_sq/", expAvgSq).entrySet()) {
                NDArray src = state.get(kind.getKey() + k);
                NDArray dst = kind.getValue().get(k);
                if (src == null || !src.getShape().equals(dst.getShape())) {
                    throw new org.kdrestore.common.UserInputException("optimizer state " + source + ": "
                            + (src == null ? "missing " : "wrong shape for ") + kind.getKey() + k);
                }
                src.toDevice(dst.getDevice(), false).copyTo(dst);
            }
        }
        this.step = stepCount;
    }

    @Override
    public void close() {
        manager.close();
    }
}
