package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kdrestore.common.Engines;
import org.kdrestore.model.LayerNormType;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;

/**
 * Time and peak memory of the teacher with random weights. One case per process, because the
 * peak resident set size (VmHWM in /proc/self/status) only ever grows. RSS after each run shows
 * whether memory grows per image (it should not: every forward runs in an NDScope).
 */
public final class TeacherBench {
    private TeacherBench() {}

    public enum Case {
        TINY_256(false, 256, 256, false),
        FULL_540X960(true, 540, 960, false),
        FULL_540X960_TILED(true, 540, 960, true);

        final boolean full;
        final int h;
        final int w;
        final boolean tiled;

        Case(boolean full, int h, int w, boolean tiled) {
            this.full = full;
            this.h = h;
            this.w = w;
            this.tiled = tiled;
        }
    }

    public record Result(String benchCase, String device, long[] inputShape, int tile, int overlap, List<Double> seconds,
            long rssAfterModelKb, List<Long> rssAfterRunKb, long peakRssKb) {
        public String describe() {
            return String.format("%s on %s, input %s%s: %s s per image; RSS after model %d MiB, after each run %s MiB; "
                            + "peak RSS (VmHWM) %d MiB",
                    benchCase, device, new Shape(inputShape), tile > 0 ? ", tile " + tile + " overlap " + overlap : ", untiled",
                    seconds.stream().map(s -> String.format("%.2f", s)).toList(), rssAfterModelKb / 1024,
                    rssAfterRunKb.stream().map(k -> k / 1024).toList(), peakRssKb / 1024);
        }
    }

    public static Result run(Case c, int tile, int overlap, int repeats) {
        RestormerConfig cfg = c.full ? RestormerConfig.motionDeblurring() : RestormerConfig.tiny(LayerNormType.WITH_BIAS, false);
        RestormerInference.Options opts = RestormerInference.Options.upstream();
        if (c.tiled) {
            opts = opts.withTile(tile, overlap);
        }
        try (NDManager m = Engines.newManager()) {
            Restormer model = Restormer.create(cfg, m);
            RestormerInference inf = new RestormerInference(model, opts);
            long afterModel = status("VmRSS");
            List<Double> secs = new ArrayList<>();
            List<Long> rss = new ArrayList<>();
            Shape shape = new Shape(1, 3, c.h, c.w);
            for (int i = 0; i < Math.max(1, repeats); i++) {
                try (NDManager run = m.newSubManager()) {
                    NDArray x = run.randomUniform(0f, 1f, shape);
                    long t0 = System.nanoTime();
                    NDArray y = inf.restore(x);
                    y.toFloatArray(); // forces completion (matters on GPU, where kernels are asynchronous)
                    secs.add((System.nanoTime() - t0) / 1e9);
                }
                rss.add(status("VmRSS"));
            }
            return new Result(c.name(), m.getDevice().toString(), shape.getShape(), c.tiled ? tile : 0, c.tiled ? overlap : 0,
                    secs, afterModel, rss, status("VmHWM"));
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

    /** How far a tiled result is from the untiled one, for one tile size, overlap and blend. */
    public record TilingError(int tile, int overlap, String blend, int tiles, double maxAbs, double meanAbs, double psnrDb,
            double seconds) {}

    /**
     * Restores {@code image} (CHW) untiled, then tiled at each overlap with both blends, and compares
     * (after clamping, as the outputs are used). PSNR is 10·log10(1/MSE) with the untiled result as
     * the reference, over all pixels and channels.
     */
    public static List<TilingError> tilingError(Restormer model, NDArray image, int tile, List<Integer> overlaps) {
        List<TilingError> out = new ArrayList<>();
        NDManager m = image.getManager();
        NDArray ref = new RestormerInference(model, RestormerInference.Options.upstream()).restore(image);
        int h = (int) image.getShape().get(1);
        int w = (int) image.getShape().get(2);
        for (int overlap : overlaps) {
            for (Blend blend : Blend.values()) {
                RestormerInference.Options o = RestormerInference.Options.upstream().withTile(tile, overlap).withBlend(blend);
                long t0 = System.nanoTime();
                try (NDManager sub = m.newSubManager()) {
                    NDArray y = new RestormerInference(model, o).restore(image);
                    y.attach(sub);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    NDArray d = y.sub(ref).abs();
                    d.attach(sub);
                    double mse = d.square().mean().getFloat();
                    int tiles = RestormerInference.starts(h, Math.min(tile, h), overlap).length
                            * RestormerInference.starts(w, Math.min(tile, w), overlap).length;
                    out.add(new TilingError(tile, overlap, blend.name(), tiles, d.max().getFloat(), d.mean().getFloat(),
                            10 * Math.log10(1 / Math.max(mse, 1e-20)), secs));
                }
            }
        }
        return out;
    }
}
