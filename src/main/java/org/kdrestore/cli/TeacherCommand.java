package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Distributor;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.Images;
import org.kdrestore.data.Npy;
import org.kdrestore.infer.Blend;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherBench;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.infer.TeacherWeights;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "teacher", mixinStandardHelpOptions = true,
        description = "The Restormer teacher: run it on an image, cache its outputs for training, train a compact one.",
        subcommands = {TeacherCommand.Forward.class, TeacherCommand.Cache.class, TeacherTrainCommand.class,
            TeacherCommand.TilingError.class})
public final class TeacherCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** How the model is run: padding, clamping, tiles. */
    static final class RunOptions {
        @Option(names = "--no-pad", description = "Do not reflect-pad to a multiple of 8 (sides must then be multiples of 8).")
        boolean noPad;

        @Option(names = "--tile", paramLabel = "N", description = "Run in N x N tiles (multiple of 8) to bound memory; 0 = whole image (default).")
        int tile;

        @Option(names = "--overlap", paramLabel = "M", description = "Pixels shared by neighbouring tiles (default ${DEFAULT-VALUE}).")
        int overlap = RestormerInference.Options.DEFAULT_OVERLAP;

        @Option(names = "--blend", description = "Tile blending: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        Blend blend = Blend.FEATHER;

        RestormerInference.Options options(boolean clamp) {
            return new RestormerInference.Options(!noPad, clamp, tile, overlap, blend);
        }
    }

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Restore one image (PNG/JPEG) or array (.npy, (3,H,W) or (1,3,H,W) float32 in [0,1]) as upstream's "
                    + "test script does: reflect-pad to x8, forward, crop, clamp.")
    static final class Forward implements Callable<Integer> {
        @Mixin
        JsonOption out;

        @Mixin
        RestormerArchOptions arch;

        @Mixin
        RunOptions run;

        @Option(names = "--weights", required = true, paramLabel = "FILE", description = "State dict: upstream .pth (params wrapper ok), .npz or .safetensors with upstream key names.")
        Path weights;

        @Option(names = "--input", required = true, paramLabel = "X.npy|IMG")
        Path input;

        @Option(names = "--output", required = true, paramLabel = "Y.npy|IMG",
                description = ".npy keeps float32 values; .png is 8-bit unless --bits 16; .jpg is 8-bit.")
        Path output;

        @Option(names = "--no-clamp", description = "Keep values outside [0,1] (only meaningful with a .npy output).")
        boolean noClamp;

        @Option(names = "--bits", description = "PNG bit depth, 8 or 16 (default ${DEFAULT-VALUE}).")
        int bits = 8;

        @Override
        public Integer call() throws IOException {
            checkOutput(output, bits);
            RestormerConfig cfg = arch.config();
            RestormerInference.Options opts = run.options(!noClamp);
            try (NDManager m = Engines.newManager()) {
                Restormer model = TeacherWeights.load(weights, cfg, m);
                NDArray x = readInput(m, input);
                long t0 = System.nanoTime();
                NDArray y = new RestormerInference(model, opts).restore(x);
                double secs = (System.nanoTime() - t0) / 1e9;
                writeOutput(output, y, bits);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("input", input.toString());
                r.put("output", output.toString());
                r.put("shape", y.getShape().getShape());
                r.put("seconds", secs);
                r.put("device", m.getDevice().toString());
                r.put("config", cfg.toUpstreamMap());
                r.put("pad", opts.pad());
                r.put("clamp", opts.clamp());
                r.put("tile", opts.tile());
                out.print(r, String.format("wrote %s %s in %.2f s on %s", output, y.getShape(), secs, m.getDevice()));
            }
            return 0;
        }
    }

    /** Refuses, before any work, an --output whose extension or --bits cannot be written. */
    static void checkOutput(Path output, int bits) {
        if (bits != 8 && bits != 16) {
            throw new UserInputException("--bits " + bits + " must be 8 or 16");
        }
        if (!List.of("npy", "png", "jpg", "jpeg").contains(Images.extension(output))) {
            throw new UserInputException("--output " + output + ": use .npy, .png, .jpg or .jpeg");
        }
    }

    /** Writes an image tensor as .npy (float32), or as an 8- or 16-bit image, by extension. */
    static void writeOutput(Path output, NDArray y, int bits) throws IOException {
        if (Images.extension(output).equals("npy")) {
            Npy.write(output, y);
        } else if (bits == 16) {
            ImageTensors.write16(output, y);
        } else {
            ImageTensors.write(output, y);
        }
    }

    /** An image file, or a .npy of shape (3,H,W) or (1,3,H,W). */
    static NDArray readInput(NDManager m, Path input) {
        if (!Files.isRegularFile(input)) {
            throw new UserInputException("--input " + input + " does not exist");
        }
        if (!Images.extension(input).equals("npy")) {
            return ImageTensors.read(m, input);
        }
        NDArray a = Npy.read(m, input);
        Shape s = a.getShape();
        boolean rgb = (s.dimension() == 3 && s.get(0) == 3) || (s.dimension() == 4 && s.get(0) == 1 && s.get(1) == 3);
        if (!rgb) {
            throw new UserInputException("--input " + input + " has shape " + s + "; expected an RGB image (3, H, W) or (1, 3, H, W)");
        }
        if (a.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
            throw new UserInputException("--input " + input + " is " + a.getDataType() + "; expected float32 in [0,1]");
        }
        return a;
    }

    @Command(name = "cache", mixinStandardHelpOptions = true,
            description = "Compute the teacher output of every degraded image of a prepared dataset once, as 16-bit PNG "
                    + "(step 1/65535), under CACHE/<key>/ with index.json; keyed by image sha256 + weights sha256 + "
                    + "config; an interrupted run resumes.")
    static final class Cache implements Callable<Integer> {
        @Mixin
        JsonOption out;

        @Mixin
        RestormerArchOptions arch;

        @Mixin
        RunOptions run;

        @Option(names = "--data", required = true, paramLabel = "PREPARED", description = "Prepared dataset folder.")
        Path data;

        @Option(names = "--weights", required = true, paramLabel = "FILE", description = "State dict: upstream .pth (params wrapper ok), .npz or .safetensors with upstream key names.")
        Path weights;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache root (default PREPARED/teacher-cache).")
        Path cache;

        @Mixin
        SparkOption spark;

        @Override
        public Integer call() throws IOException {
            RestormerConfig cfg = arch.config();
            RestormerInference.Options opts = run.options(true);
            Map<String, Path> images = TeacherCache.degradedImages(data);
            Path root = cache != null ? cache : data.resolve("teacher-cache");
            TeacherCache.Summary s;
            try (Distributor d = spark.enabled() ? spark.open() : Distributor.local()) {
                s = TeacherCache.build(images, TeacherResolver.given(weights, cfg, arch.archConfig), opts, root, d, out.json);
            }
            StringBuilder human = new StringBuilder(String.format("teacher cache %s: %d images, %d computed, %d reused (%s)",
                    s.cacheDir(), s.images(), s.computed(), s.reused(), s.where()));
            for (TeacherCache.WorkerRate w : s.workers()) {
                human.append(String.format(java.util.Locale.ROOT, "%n  %s: %d images, %.3f images/s per task", w.worker(), w.images(),
                        w.imagesPerSecond()));
            }
            out.print(s, human.toString());
            return 0;
        }
    }

    @Command(name = "tiling-error", hidden = true, mixinStandardHelpOptions = true,
            description = "How far tiled output is from untiled, per overlap and blend (max/mean abs, PSNR vs untiled).")
    static final class TilingError implements Callable<Integer> {
        @Mixin
        JsonOption out;

        @Mixin
        RestormerArchOptions arch;

        @Option(names = "--weights", paramLabel = "FILE", description = "State dict .npz; random weights (seed 42) when absent.")
        Path weights;

        @Option(names = "--input", required = true, paramLabel = "IMG")
        Path input;

        @Option(names = "--tile", description = "Tile side (default ${DEFAULT-VALUE}).")
        int tile = 256;

        @Option(names = "--overlaps", split = ",", description = "Overlaps to try (default ${DEFAULT-VALUE}).")
        List<Integer> overlaps = List.of(0, 16, 32, 64);

        @Override
        public Integer call() {
            RestormerConfig cfg = arch.config();
            try (NDManager m = Engines.newManager()) {
                Restormer model;
                if (weights != null) {
                    model = TeacherWeights.load(weights, cfg, m);
                } else {
                    Engines.engine().setRandomSeed(42);
                    model = Restormer.create(cfg, m);
                }
                NDArray x = readInput(m, input);
                if (x.getShape().dimension() == 4) {
                    x = x.squeeze(0);
                }
                List<TeacherBench.TilingError> rows = TeacherBench.tilingError(model, x, tile, overlaps);
                StringBuilder sb = new StringBuilder(String.format("%s %s, dim %d, %s%n", input, x.getShape(), cfg.dim(),
                        weights != null ? weights : "random weights (seed 42)"));
                sb.append(String.format("%6s %8s %8s %10s %10s %9s %8s%n", "tile", "overlap", "blend", "max_abs", "mean_abs", "PSNR_dB", "secs"));
                for (TeacherBench.TilingError r : rows) {
                    sb.append(String.format("%6d %8d %8s %10.2e %10.2e %9.2f %8.1f%n", r.tile(), r.overlap(),
                            r.blend().toLowerCase(), r.maxAbs(), r.meanAbs(),
                            r.psnrDb(), r.seconds()));
                }
                out.print(rows, sb.toString().stripTrailing());
            }
            return 0;
        }
    }

}
