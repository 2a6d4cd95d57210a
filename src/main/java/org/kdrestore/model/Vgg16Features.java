package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kdrestore.common.Bf16;
import org.kdrestore.common.UserInputException;
import org.kdrestore.weights.StateDictLoader;

/**
 * The convolutional part of torchvision's {@code vgg16().features}, cut after the deepest layer
 * a loss needs: 3×3 convolutions with padding 1 and bias, ReLU, 2×2 max-pooling, children named
 * {@code features.N} so torchvision's state dict keys ({@code features.0.weight}, ...) load by name.
 * Inputs are RGB in [0,1]; ImageNet normalisation (mean 0.485/0.456/0.406, std
 * 0.229/0.224/0.225) is applied first unless switched off. The parameters are frozen.
 */
public final class Vgg16Features extends AbstractBlock {
    /** torchvision's configuration "D": channels per conv, 0 for a max-pool. */
    private static final int[] CFG = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};

    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Named feature layers and how many {@code features} modules produce them ({@code features[:end]}). */
    public enum Layer {
        RELU1_2(4), RELU2_2(9), RELU3_3(16), RELU4_3(23);

        public final int end;

        Layer(int end) {
            this.end = end;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Layer parse(String s) {
            for (Layer l : values()) {
                if (l.id().equalsIgnoreCase(s.trim())) {
                    return l;
                }
            }
            throw new UserInputException("unknown VGG layer '" + s + "'; choose from relu1_2, relu2_2, relu3_3, relu4_3");
        }

        public static List<Layer> parseList(String csv) {
            List<Layer> out = new ArrayList<>();
            for (String p : csv.split(",")) {
                if (!p.isBlank()) {
                    out.add(parse(p));
                }
            }
            if (out.isEmpty()) {
                throw new UserInputException("no VGG layer given in '" + csv + "'");
            }
            return out;
        }
    }

    private final SequentialBlock features;
    private final Layer deepest;

    /** The modules {@code features[:deepest.end]}, not yet initialised. */
    public Vgg16Features(Layer deepest) {
        this.deepest = deepest;
        SequentialBlock seq = new SequentialBlock();
        int modules = 0;
        int channels = 3;
        for (int c : CFG) {
            if (modules >= deepest.end) {
                break;
            }
            if (c == 0) {
                seq.add(MaxPool2x2.block());
                modules++;
            } else {
                seq.add(Conv.dense(channels, c, 3, true));
                channels = c;
                seq.add(Activation.reluBlock());
                modules += 2;
            }
        }
        this.features = addChildBlock("features", seq);
    }

    /**
     * Builds the block for {@code deepest}, loads {@code stateDict} (a torchvision vgg16 state
     * dict, or any part of it that covers the needed convolutions), and freezes it.
     *
     * <p>Keys this cut does not use are ignored: {@code classifier.*} and {@code features.N.*}
     * at or beyond {@code deepest.end}. Any other unknown key, a missing key or a wrong shape
     * fails with the full report (the file is probably not VGG16).
     */
    public static Vgg16Features load(NDManager manager, Map<String, NDArray> stateDict, Layer deepest, String source) {
        Vgg16Features vgg = new Vgg16Features(deepest);
        vgg.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        Map<String, NDArray> used = new TreeMap<>();
        Pattern feature = Pattern.compile("features\\.(\\d+)\\..+");
        for (Map.Entry<String, NDArray> e : stateDict.entrySet()) {
            String k = e.getKey();
            Matcher m = feature.matcher(k);
            boolean beyond = m.matches() && Integer.parseInt(m.group(1)) >= deepest.end;
            if (!k.startsWith("classifier.") && !beyond) {
                used.put(k, e.getValue());
            }
        }
        StateDictLoader.load(vgg, used, true, source);
        vgg.freezeParameters(true);
        return vgg;
    }

    public Layer deepest() {
        return deepest;
    }

    /**
     * The activations at {@code layers} for a batch {@code (N,3,H,W)} in [0,1], in one pass.
     * Differentiable with respect to {@code x}; the parameters stay frozen.
     */
    public Map<Layer, NDArray> features(NDArray x, List<Layer> layers, boolean imagenetNorm) {
        for (Layer l : layers) {
            if (l.end > deepest.end) {
                throw new UserInputException("VGG layer " + l.id() + " is deeper than the loaded cut (up to "
                        + deepest.id() + ")");
            }
        }
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != 3) {
            throw new UserInputException("VGG features need an RGB batch (N,3,H,W), got shape " + x.getShape());
        }
        NDManager manager = x.getManager();
        NDArray h = x;
        if (imagenetNorm) {
            NDArray mean = manager.create(IMAGENET_MEAN).reshape(1, 3, 1, 1);
            NDArray std = manager.create(IMAGENET_STD).reshape(1, 3, 1, 1);
            h = h.sub(mean).div(std);
        }
        int last = 0;
        for (Layer l : layers) {
            last = Math.max(last, l.end);
        }
        if (Bf16.active()) {
            return featuresBf16(h, h != x, layers, last);
        }
        Map<Layer, NDArray> out = new EnumMap<>(Layer.class);
        ParameterStore ps = new ParameterStore(manager, false);
        int i = 0;
        for (Block child : features.getChildren().values()) {
            if (i >= last) {
                break;
            }
            NDArray next = child.forward(ps, new NDList(h), false).singletonOrThrow();
            // Free each layer's input once used unless it is the caller's array or a returned
            // feature: otherwise every activation (134 MB each at 8x64x256x256) lives until the
            // caller's manager closes. Autograd keeps its own references to what backward needs.
            if (h != x && !isReturned(out, h)) {
                h.close();
            }
            h = next;
            i++;
            for (Layer l : layers) {
                if (l.end == i) {
                    out.put(l, h);
                }
            }
        }
        return out;
    }

    /**
     * The same features in a {@link Bf16} scope (training under {@code train.precision: bf16}):
     * the network runs wholly in bfloat16, channels-last, from the normalised input to the deepest
     * returned layer, each conv+ReLU as one call, and only the returned features come back to
     * float32. Why not layer by layer through {@link Conv}: a float32 round trip per layer costs
     * 15% of the VGG's time (docs/bench.md). Needs frozen parameters (it uses their bfloat16 copies).
     */
    private Map<Layer, NDArray> featuresBf16(NDArray input, boolean closeInput, List<Layer> layers, int last) {
        Map<Layer, NDArray> out = new EnumMap<>(Layer.class);
        NDArray h = Bf16.toBf16ChannelsLast(input);
        if (closeInput) {
            input.close();
        }
        List<Block> children = new ArrayList<>(features.getChildren().values());
        int i = 0;
        while (i < last) {
            NDArray next;
            if (children.get(i) instanceof Conv conv) {
                // every Conv here is followed by its ReLU (CFG): the pair is one call
                NDArray[] wb = conv.frozenBf16();
                next = Bf16.convReluFrozen(h, wb[0], wb[1]);
                i += 2;
            } else {
                next = Bf16.maxPool2x2(h);
                i++;
            }
            h.close();
            h = next;
            for (Layer l : layers) {
                if (l.end == i) {
                    out.put(l, Bf16.toFloat32(h));
                }
            }
        }
        h.close();
        return out;
    }

    /**
     * Whether {@code a} is one of the returned features, by identity: {@code Map.containsValue}
     * would call DJL's {@code equals}, which compares contents element by element.
     */
    private static boolean isReturned(Map<Layer, NDArray> out, NDArray a) {
        for (NDArray f : out.values()) {
            if (f == a) {
                return true;
            }
        }
        return false;
    }

    /** One layer's activations. */
    public NDArray features(NDArray x, Layer layer, boolean imagenetNorm) {
        return features(x, List.of(layer), imagenetNorm).get(layer);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return features.forward(ps, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return features.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        features.initialize(manager, dataType, inputShapes);
    }
}
