package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.UserInputException;
import org.kdrestore.weights.ParameterNames;

/**
 * The seed's lightweight student, top to bottom like the seed's diagram:
 * <pre>
 *   encoder: Conv3x3(3→w, pad 1) → ReLU → MaxPool 2
 *   middle:  [Conv3x3(w→w, pad 1) → ReLU] × depth
 *   decoder: Upsample ×2 → Conv3x3(w→3, pad 1) → [ReLU] → Sigmoid   (or + input, clip, when residual)
 * </pre>
 * Children are named {@code encoder}, {@code middle}, {@code decoder} and are sequential, so the
 * parameter names equal a PyTorch {@code nn.Sequential} state_dict ({@code encoder.0.weight},
 * {@code middle.0.bias}, {@code decoder.1.weight}).
 *
 * <p>Sizes: the output has the input's height and width. MaxPool 2 then Upsample ×2 gives back
 * an even size exactly; an odd height or width is first padded by one replicated row/column at
 * the bottom/right, and the output is cropped back. Even sizes (960×540, 1920×1080) are untouched.
 */
public final class StudentCnn extends AbstractBlock {
    private static final byte VERSION = 1;

    private final StudentConfig config;
    private final SequentialBlock encoder;
    private final SequentialBlock middle;
    private final SequentialBlock decoder;

    public StudentCnn(StudentConfig config) {
        super(VERSION);
        this.config = config;
        int w = config.width();
        encoder = new SequentialBlock()
                .add(Conv.dense(3, w, 3, true))
                .add(Activation.reluBlock())
                .add(MaxPool2x2.block());
        middle = new SequentialBlock();
        for (int i = 0; i < config.depth(); i++) {
            middle.add(Conv.dense(w, w, 3, true)).add(Activation.reluBlock());
        }
        decoder = new SequentialBlock()
                .add(new LambdaBlock(list -> new NDList(upsample2(list.singletonOrThrow(), config.upsample())), "upsample"))
                .add(Conv.dense(w, 3, 3, true));
        if (config.reluBeforeSigmoid()) {
            decoder.add(Activation.reluBlock());
        }
        if (!config.residual()) {
            decoder.add(Activation.sigmoidBlock());
        }
        addChildBlock("encoder", encoder);
        addChildBlock("middle", middle);
        addChildBlock("decoder", decoder);
    }

    public StudentConfig config() {
        return config;
    }

    /**
     * Builds, initialises for NCHW float32 input and fills the weights like PyTorch's default
     * init; with {@code residual} the last convolution starts at zero, so the untrained network
     * is the identity and training learns a correction.
     */
    public static StudentCnn create(StudentConfig config, NDManager manager, long seed) {
        StudentCnn net = new StudentCnn(config);
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 8, 8));
        net.initLikeTorch(seed);
        if (config.residual()) {
            Map<String, Parameter> p = net.namedParameters();
            p.get("decoder.1.weight").getArray().muli(0);
            p.get("decoder.1.bias").getArray().muli(0);
        }
        return net;
    }

    /**
     * PyTorch's default Conv2d init (kaiming_uniform with a=√5, which is U(−b, b) with
     * b = 1/√fan_in, for the weight and the bias alike), drawn from a Java RNG seeded by
     * {@code seed} so that it is the same on every machine and device.
     */
    public void initLikeTorch(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : ParameterNames.of(this).entrySet()) {
            NDArray a = e.getValue().getArray();
            Shape weightShape = e.getKey().endsWith(".bias")
                    ? ParameterNames.of(this).get(e.getKey().replace(".bias", ".weight")).getArray().getShape()
                    : a.getShape();
            long fanIn = weightShape.size() / weightShape.get(0);
            double bound = 1.0 / Math.sqrt(fanIn);
            float[] v = new float[Math.toIntExact(a.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            a.set(v);
        }
    }

    /** Number of trainable values. */
    public long parameterCount() {
        return ParameterNames.of(this).values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** The parameters under PyTorch state_dict names, in registration order. */
    public Map<String, Parameter> namedParameters() {
        return ParameterNames.of(this);
    }

    /**
     * Inference on an NCHW batch (or one CHW image); no gradient. With nearest upsampling this
     * runs {@link StudentFastPath} (same numbers, less time and memory); the result is attached
     * to {@code x}'s manager and every intermediate is freed before returning.
     */
    public NDArray predict(NDArray x) {
        boolean single = x.getShape().dimension() == 3;
        NDArray in = single ? x.expandDims(0) : x;
        NDArray y;
        if ("nearest".equals(config.upsample()) && in.getShape().dimension() == 4 && in.getShape().get(1) == 3) {
            long h = in.getShape().get(2);
            long w = in.getShape().get(3);
            NDArray even = padToEven(in);
            y = StudentFastPath.forward(this, even);
            if (even != in) {
                even.close();
            }
            if (y.getShape().get(2) != h || y.getShape().get(3) != w) {
                NDArray cropped = y.get(":, :, :" + h + ", :" + w);
                y.close();
                y = cropped;
            }
        } else {
            y = forward(new ParameterStore(x.getManager(), false), new NDList(in), false).singletonOrThrow();
        }
        return single ? y.squeeze(0) : y;
    }

    /**
     * The kinds of convolution a training step runs under {@code train.precision: bf16}: with
     * nearest upsampling the last convolution is replaced by {@link StudentFastPath}'s phase
     * convolution (width → 12), which the start-up gradient check must cover too.
     */
    public Set<Conv.Signature> signaturesTrainedInBf16() {
        Set<Conv.Signature> out = Conv.signaturesIn(this);
        if ("nearest".equals(config.upsample())) {
            out.remove(new Conv.Signature(config.width(), 3, 3, 1));
            out.add(new Conv.Signature(config.width(), 12, 3, 1));
        }
        return out;
    }

    /** Inference through the block's plain forward pass (the reference {@link #predict} must equal). */
    NDArray predictPlain(NDArray x) {
        return forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new UserInputException("student input must be N×3×H×W, got " + s);
        }
        long h = s.get(2);
        long w = s.get(3);
        NDArray padded = padToEven(x);
        NDArray out;
        if (Bf16.active() && "nearest".equals(config.upsample())) {
            out = StudentFastPath.trainingForward(this, padded);
        } else {
            NDList y = encoder.forward(ps, new NDList(padded), training, params);
            if (config.depth() > 0) {
                y = middle.forward(ps, y, training, params);
            }
            y = decoder.forward(ps, y, training, params);
            out = y.singletonOrThrow();
            if (config.residual()) {
                out = out.add(padded).clip(0f, 1f);
            }
        }
        if (out.getShape().get(2) != h || out.getShape().get(3) != w) {
            out = out.get(":, :, :" + h + ", :" + w);
        }
        return new NDList(out);
    }

    /** Replicates the last row and/or column so both sizes are even. */
    static NDArray padToEven(NDArray x) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        if (h % 2 == 1) {
            x = x.concat(x.get(":, :, " + (h - 1) + ":, :"), 2);
        }
        if (w % 2 == 1) {
            x = x.concat(x.get(":, :, :, " + (w - 1) + ":"), 3);
        }
        return x;
    }

    /** Upsampling by 2: nearest repeats each pixel 2×2; bilinear is torch's align_corners=false. */
    static NDArray upsample2(NDArray x, String mode) {
        if ("nearest".equals(mode)) {
            return x.repeat(2, 2).repeat(3, 2);
        }
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        return x.getNDArrayInternal().interpolation(new long[] {2 * h, 2 * w}, BILINEAR, false);
    }

    /** DJL's PyTorch engine passes this code to torch's interpolate: 1 is bilinear. */
    private static final int BILINEAR = 1;

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        Shape even = new Shape(s.get(0), s.get(1), s.get(2) + s.get(2) % 2, s.get(3) + s.get(3) % 2);
        encoder.initialize(manager, dataType, even);
        Shape[] e = encoder.getOutputShapes(new Shape[] {even});
        Shape[] m = e;
        if (config.depth() > 0) { // depth 0: no middle layers (DJL refuses shapes of an empty sequence)
            middle.initialize(manager, dataType, e);
            m = middle.getOutputShapes(e);
        }
        decoder.initialize(manager, dataType, m);
    }
}
