package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.metric.Definition;
import org.kdrestore.metric.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "metric", mixinStandardHelpOptions = true,
        description = {"Compare two images: SSIM (per channel too), MS-SSIM, PSNR, MSE, L1, with the SSIM definition.",
            "Inputs: .npy float32 (3,H,W) or (N,3,H,W) RGB in [0,1], or PNG/JPEG."})
public final class MetricCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--x", required = true, description = "First image (.npy, .png, .jpg).")
    Path x;

    @Option(names = "--y", required = true, description = "Second image, same shape.")
    Path y;

    @Option(names = "--data-range", defaultValue = "1", description = "Value range of the images (default ${DEFAULT-VALUE}; "
            + "pytorch-msssim's own default is 255, we always pass it explicitly).")
    double dataRange;

    @Option(names = "--definition", defaultValue = Definition.PYTORCH_MSSSIM,
            description = "SSIM definition: pytorch-msssim or skimage (default ${DEFAULT-VALUE}).")
    String definition;

    @Override
    public Integer call() {
        Definition def = Definition.byName(definition, dataRange);
        try (NDManager m = Engines.newManager()) {
            NDArray a = ArrayFiles.readImage(m, x);
            NDArray b = ArrayFiles.readImage(m, y);
            if (!a.getShape().equals(b.getShape())) {
                throw new UserInputException("--x " + x + " has shape " + a.getShape() + " but --y " + y + " has shape " + b.getShape());
            }
            Metrics.Comparison c = Metrics.compare(a, b, def);
            boolean single = a.getShape().dimension() == 3;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("x", x.toString());
            r.put("y", y.toString());
            r.put("shape", a.getShape().getShape());
            r.put("ssim", c.ssim());
            r.put("ssim_per_channel", single ? c.ssimPerChannel()[0] : c.ssimPerChannel());
            r.put("ssim_per_image", c.ssimPerImage());
            r.put("ms_ssim", c.msSsim());
            r.put("ms_ssim_reason", c.msSsimReason());
            r.put("psnr", c.psnr());
            r.put("psnr_per_image", c.psnrPerImage());
            r.put("mse", c.mse());
            r.put("l1", c.l1());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", def.name());
            d.put("window", def.window());
            d.put("sigma", def.sigma());
            d.put("k1", def.k1());
            d.put("k2", def.k2());
            d.put("data_range", def.dataRange());
            d.put("padding", def.padding());
            d.put("channels", def.channels());
            d.put("dtype", def.dtype());
            d.put("describe", def.describe());
            r.put("definition", d);
            r.put("ms_ssim_definition", c.msSsimDefinition());
            r.put("pixel_definition", c.pixelDefinition());
            StringBuilder h = new StringBuilder();
            h.append(String.format(Locale.ROOT, "ssim      %.6f   (data range %s, %s)%n", c.ssim(), fmt(def.dataRange()), def.name()));
            h.append("ssim/ch   ");
            for (double[] img : c.ssimPerChannel()) {
                for (double v : img) {
                    h.append(String.format(Locale.ROOT, "%.6f ", v));
                }
            }
            h.append('\n');
            h.append(c.msSsim() == null ? "ms_ssim   n/a (" + c.msSsimReason() + ")\n"
                    : String.format(Locale.ROOT, "ms_ssim   %.6f%n", c.msSsim()));
            h.append(String.format(Locale.ROOT, "psnr      %s dB%n",
                    Double.isInfinite(c.psnr()) ? "+inf" : String.format(Locale.ROOT, "%.4f", c.psnr())));
            h.append(String.format(Locale.ROOT, "mse       %.8g%nl1        %.8g%n", c.mse(), c.l1()));
            h.append("definition ").append(def.describe());
            out.print(r, h.toString());
        }
        return 0;
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
