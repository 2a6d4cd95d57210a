package org.kdrestore.loss;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.model.Vgg16Features.Layer;

/**
 * Perceptual loss on frozen torchvision VGG16 features:
 * Σ over the chosen layers of mean(criterion(φ(pred) − φ(target))), each layer weight 1, with
 * criterion MSE ({@code F.mse_loss}) or L1 ({@code F.l1_loss}) over all N·C·H·W feature values.
 * The target's features carry no gradient; ImageNet normalisation is on unless switched off.
 */
public final class VggFeatureLoss implements Loss {
    public enum Criterion {
        MSE, L1;

        public static Criterion parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UserInputException("unknown VGG criterion '" + s + "'; choose mse or l1");
            }
        }
    }

    private final double weight;
    private final Vgg16Features vgg;
    private final List<Layer> layers;
    private final Criterion criterion;
    private final boolean imagenetNorm;

    public VggFeatureLoss(double weight, Vgg16Features vgg, List<Layer> layers, Criterion criterion, boolean imagenetNorm) {
        if (layers.isEmpty()) {
            throw new UserInputException("VGG loss needs at least one layer");
        }
        for (Layer l : layers) {
            if (l.end > vgg.deepest().end) {
                throw new UserInputException("VGG layer " + l.id() + " is deeper than the loaded VGG (up to "
                        + vgg.deepest().id() + ")");
            }
        }
        this.weight = weight;
        this.vgg = vgg;
        this.layers = List.copyOf(layers);
        this.criterion = criterion;
        this.imagenetNorm = imagenetNorm;
    }

    @Override
    public String name() {
        return "vgg";
    }

    @Override
    public double weight() {
        return weight;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** φ(pred) at every chosen layer; compute once and reuse for several targets. */
    public Map<Layer, NDArray> predFeatures(NDArray pred) {
        return vgg.features(pred, layers, imagenetNorm);
    }

    @Override
    public NDArray forward(NDArray pred, NDArray target) {
        LossShapes.check(pred, target);
        return forward(predFeatures(pred), target);
    }

    /** The loss against {@code target} given φ(pred) from {@link #predFeatures}. */
    public NDArray forward(Map<Layer, NDArray> predFeatures, NDArray target) {
        // the target's features are constants of the loss: no graph for them (less memory, and the
        // no-gradient fast paths such as MaxPool2x2 apply)
        Map<Layer, NDArray> tf = Engines.withoutGradient(() -> vgg.features(target.stopGradient(), layers, imagenetNorm));
        NDArray total = null;
        for (Layer l : layers) {
            NDArray d = predFeatures.get(l).sub(tf.get(l).stopGradient());
            NDArray term = (criterion == Criterion.MSE ? d.square() : d.abs()).mean();
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    @Override
    public String describe() {
        return "vgg: sum over " + layers.stream().map(Layer::id).toList() + " of mean " + criterion.name().toLowerCase(Locale.ROOT)
                + " between torchvision vgg16 features of pred and target (target without gradient), ImageNet normalisation "
                + (imagenetNorm ? "on" : "off");
    }
}
