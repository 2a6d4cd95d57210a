package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.loss.L1Loss;
import org.kdrestore.loss.Loss;
import org.kdrestore.loss.SsimLoss;
import org.kdrestore.loss.VggFeatureLoss;
import org.kdrestore.metric.Definition;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.weights.Weights;
import org.kdrestore.model.Vgg16Features.Layer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "loss", mixinStandardHelpOptions = true,
        description = {"Evaluate each loss term between a prediction and a target: l1, ssim (1 - SSIM), vgg.",
            "Without --vgg-weights the vgg term is reported as null with the reason (never random features)."})
public final class LossCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--pred", required = true, description = "Prediction (.npy (N,3,H,W)/(3,H,W) float32 in [0,1], .png, .jpg).")
    Path pred;

    @Option(names = "--target", required = true, description = "Target, same shape.")
    Path target;

    @Option(names = "--vgg-weights", description = "torchvision vgg16 state dict as .npz or .safetensors (keys features.N.weight/bias).")
    Path vggWeights;

    @Option(names = "--vgg-layers", defaultValue = "relu2_2,relu3_3", description = "Comma-separated layers (default ${DEFAULT-VALUE}).")
    String vggLayers;

    @Option(names = "--vgg-criterion", defaultValue = "mse", description = "mse or l1 between features (default ${DEFAULT-VALUE}).")
    String vggCriterion;

    @Option(names = "--no-imagenet-norm", description = "Feed VGG the raw [0,1] input instead of ImageNet-normalised values.")
    boolean noImagenetNorm;

    @Option(names = "--data-range", defaultValue = "1", description = "Data range for SSIM (default ${DEFAULT-VALUE}).")
    double dataRange;

    @Override
    public Integer call() throws java.io.IOException {
        List<Layer> layers = Layer.parseList(vggLayers);
        VggFeatureLoss.Criterion crit = VggFeatureLoss.Criterion.parse(vggCriterion);
        try (NDManager m = Engines.newManager()) {
            NDArray p = ArrayFiles.readImage(m, pred);
            NDArray t = ArrayFiles.readImage(m, target);
            if (!p.getShape().equals(t.getShape())) {
                throw new UserInputException("--pred " + pred + " has shape " + p.getShape() + " but --target " + target
                        + " has shape " + t.getShape());
            }
            if (p.getShape().dimension() == 3) {
                p = p.expandDims(0);
                t = t.expandDims(0);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            Map<String, Object> defs = new LinkedHashMap<>();
            StringBuilder h = new StringBuilder();
            for (Loss l : List.<Loss>of(new L1Loss(), new SsimLoss(1, Definition.pytorchMsssim(dataRange)))) {
                double v = l.forward(p, t).getFloat();
                r.put(l.name(), v);
                defs.put(l.name(), l.describe());
                h.append(String.format(Locale.ROOT, "%-5s %.8g%n", l.name(), v));
            }
            if (vggWeights == null) {
                r.put("vgg", null);
                r.put("vgg_reason", "no --vgg-weights given; the VGG term is not computed");
                h.append("vgg   n/a (no --vgg-weights given)\n");
            } else {
                Layer deepest = layers.stream().max(Enum::compareTo).orElseThrow();
                Vgg16Features vgg = Vgg16Features.load(m, Weights.read(vggWeights, m).tensors(), deepest, vggWeights.toString());
                VggFeatureLoss l = new VggFeatureLoss(1, vgg, layers, crit, !noImagenetNorm);
                double v = l.forward(p, t).getFloat();
                r.put("vgg", v);
                defs.put("vgg", l.describe());
                h.append(String.format(Locale.ROOT, "vgg   %.8g   (%s)%n", v, vggWeights));
            }
            r.put("definitions", defs);
            defs.values().forEach(d -> h.append("  ").append(d).append('\n'));
            out.print(r, h.toString().stripTrailing());
        }
        return 0;
    }
}
