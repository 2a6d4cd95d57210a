package org.kdrestore.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdrestore.common.Engines;
import org.kdrestore.loss.DistillationLoss;
import org.kdrestore.loss.DistillationLossConfig;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.model.Vgg16Features;

/**
 * Time and peak memory of the student: one training step (forward, L1 + SSIM + VGG16 relu2_2
 * loss against the ground truth, backward, Adam) on a batch 8×3×256×256, and inference on
 * 1×3×1080×1920. Weights are random (timings do not depend on values; the VGG too, so no
 * VGG file is needed). One case per process, because the peak resident set size (VmHWM) only
 * ever grows; on a GPU the device memory in use is sampled after each repeat.
 */
public final class StudentBench {
    private StudentBench() {}

    public enum Case {
        TRAIN_STEP_8X256(8, 256, 256), INFER_1080X1920(1, 1080, 1920);

        final int n;
        final int h;
        final int w;

        Case(int n, int h, int w) {
            this.n = n;
            this.h = h;
            this.w = w;
        }
    }

    /** Times in seconds per repeat (after one warm-up); memory in MiB (−1 when unknown). */
    public record Result(String benchCase, String student, String device, long[] inputShape, List<Double> seconds,
            double medianSeconds, long peakRssMib, long gpuMemoryInUseMib, String loss) {
        public String describe() {
            return String.format("%s, student %s on %s, input %s: %s s per %s (median %.4f s); peak RSS (VmHWM) %d MiB%s",
                    benchCase, student, device, new Shape(inputShape),
                    seconds.stream().map(s -> String.format("%.4f", s)).toList(),
                    benchCase.startsWith("TRAIN") ? "step" : "image", medianSeconds, peakRssMib,
                    gpuMemoryInUseMib >= 0 ? ", GPU memory in use " + gpuMemoryInUseMib + " MiB" : "")
                    + (loss == null ? "" : "\n  loss: " + loss.replace("\n", "\n  "));
        }
    }

    public static Result run(Case c, StudentConfig student, int repeats) {
        try (NDManager m = Engines.newManager()) {
            StudentCnn net = StudentCnn.create(student, m, 0);
            Shape shape = new Shape(c.n, 3, c.h, c.w);
            List<Double> secs = new ArrayList<>();
            long gpu = -1;
            String lossText = null;
            DistillationLoss loss = null;
            Adam adam = null;
            ParameterStore ps = new ParameterStore(m, false);
            if (c == Case.TRAIN_STEP_8X256) {
                Vgg16Features vgg = new Vgg16Features(Vgg16Features.Layer.RELU2_2);
                vgg.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
                vgg.freezeParameters(true);
                DistillationLossConfig lc = DistillationLossConfig.defaults().withVggWeights(0.1, 0)
                        .withVggLayers(List.of("relu2_2"), true);
                lc = new DistillationLossConfig(lc.gtL1(), lc.gtSsim(), lc.gtVgg(), 0, 0, 0, lc.vggLayers(), lc.vggCriterion(),
                        lc.imagenetNorm(), lc.dataRange(), lc.onMissingVgg());
                loss = new DistillationLoss(lc, vgg);
                lossText = loss.describe() + "\n(VGG16 with random weights: the cost is the same)";
                adam = new Adam(net.namedParameters(), Adam.Settings.of(1e-4));
            }
            for (int i = 0; i < Math.max(1, repeats) + 1; i++) {
                try (NDManager run = m.newSubManager()) {
                    NDArray x = run.randomUniform(0f, 1f, shape);
                    NDArray gt = run.randomUniform(0f, 1f, shape);
                    x.toFloatArray(); // inputs ready before the clock starts
                    long t0 = System.nanoTime();
                    if (adam != null) {
                        adam.zeroGrad();
                        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                            NDArray y = net.forward(ps, new NDList(x), true).singletonOrThrow();
                            gc.backward(loss.forward(y, gt, null).total());
                        }
                        adam.step();
                        net.namedParameters().get("decoder.1.bias").getArray().toFloatArray(); // wait for the GPU
                    } else {
                        net.predict(x).toFloatArray();
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (i > 0) {
                        secs.add(s); // the first run is a warm-up (kernel selection, allocations)
                    }
                }
                if (m.getDevice().isGpu()) {
                    gpu = Math.max(gpu, CudaUtils.getGpuMemory(m.getDevice()).getUsed() / (1 << 20));
                }
            }
            if (adam != null) {
                adam.close();
            }
            List<Double> sorted = new ArrayList<>(secs);
            sorted.sort(Double::compare);
            return new Result(c.name(), student.describe(), m.getDevice().toString(), shape.getShape(), secs,
                    sorted.get(sorted.size() / 2), status("VmHWM") / 1024, gpu, lossText);
        }
    }

    /** A kB figure from /proc/self/status (Linux), or -1 elsewhere. */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static boolean isGpu(Device d) {
        return d.isGpu();
    }
}
