package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.kdrestore.common.Engines;
import org.kdrestore.loss.DistillationLoss;
import org.kdrestore.loss.DistillationLossConfig;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.Ssim;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.model.Vgg16Features.Layer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prints timings (never asserted anywhere): SSIM of a 1080p RGB pair, and the distillation
 * loss forward + backward for an 8×3×256×256 batch. Without --vgg-weights the VGG part uses
 * randomly initialised weights, which is fine for timing and said in the output.
 */
@Command(name = "bench-metric", hidden = true, mixinStandardHelpOptions = true,
        description = "Time SSIM on a 1080p pair and the loss forward+backward on 8x3x256x256.")
public final class BenchMetricCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed runs after 2 warm-ups (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--vgg-weights", description = "VGG16 state dict (.npz/.safetensors); random weights if absent (timing only).")
    Path vggWeights;

    @Override
    public Integer call() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("engine", Engines.describe());
        r.put("threads", Runtime.getRuntime().availableProcessors());
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(0);
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 1080, 1920));
            NDArray y = x.add(m.randomNormal(0f, 0.05f, x.getShape(), DataType.FLOAT32)).clip(0f, 1f);
            Definition def = Definition.pytorchMsssim(1);
            r.put("ssim_1080p_ms", time(() -> {
                try (NDManager s = m.newSubManager()) {
                    NDArray v = Ssim.ssim(x, y, def);
                    v.attach(s);
                    return v.getFloat();
                }
            }));
            Layer deepest = Layer.RELU3_3;
            Vgg16Features vgg;
            if (vggWeights != null) {
                vgg = Vgg16Features.load(m, ArrayFiles.readStateDict(m, vggWeights), deepest, vggWeights.toString());
                r.put("vgg_weights", vggWeights.toString());
            } else {
                vgg = new Vgg16Features(deepest);
                vgg.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
                vgg.freezeParameters(true);
                r.put("vgg_weights", "random (timing only)");
            }
            NDArray gt = m.randomUniform(0f, 1f, new Shape(8, 3, 256, 256));
            NDArray teacher = gt.add(m.randomNormal(0f, 0.02f, gt.getShape(), DataType.FLOAT32)).clip(0f, 1f);
            NDArray pred0 = gt.add(m.randomNormal(0f, 0.05f, gt.getShape(), DataType.FLOAT32)).clip(0f, 1f);
            DistillationLoss full = new DistillationLoss(DistillationLossConfig.defaults(), vgg);
            DistillationLoss noVgg = new DistillationLoss(DistillationLossConfig.defaults().withVggWeights(0, 0), null);
            r.put("loss_fwd_bwd_8x3x256x256_ms", time(() -> step(m, full, pred0, gt, teacher)));
            r.put("loss_fwd_bwd_8x3x256x256_no_vgg_ms", time(() -> step(m, noVgg, pred0, gt, teacher)));
        }
        StringBuilder h = new StringBuilder();
        r.forEach((k, v) -> h.append(String.format(Locale.ROOT, "%-36s %s%n", k, v)));
        out.print(r, h.toString().stripTrailing());
        return 0;
    }

    private static double step(NDManager m, DistillationLoss loss, NDArray pred0, NDArray gt, NDArray teacher) {
        try (NDManager s = m.newSubManager()) {
            NDArray pred = pred0.duplicate();
            pred.attach(s);
            pred.setRequiresGradient(true);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                NDArray total = loss.forward(pred, gt, teacher).total();
                gc.backward(total);
            }
            return pred.getGradient().sum().getFloat();
        }
    }

    /** Median and min of the timed runs, in ms. */
    private Map<String, Double> time(Supplier<Object> task) {
        for (int i = 0; i < 2; i++) {
            task.get();
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < Math.max(1, repeats); i++) {
            long t0 = System.nanoTime();
            task.get();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        double[] a = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("median", Math.round(a[a.length / 2] * 10) / 10.0);
        r.put("min", Math.round(a[0] * 10) / 10.0);
        r.put("runs", (double) a.length);
        return r;
    }

}
