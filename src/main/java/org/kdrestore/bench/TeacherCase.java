package org.kdrestore.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.kdrestore.common.Checkout;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.model.Flops;
import org.kdrestore.model.LayerNormType;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;

/**
 * Restormer inference with random weights (the speed does not depend on the values): the tiny
 * test config at 256×256, or the motion-deblurring config (26M parameters) at 540×960, whole or
 * in tiles. Padding to a multiple of 8 and clamping as upstream's test script.
 */
public final class TeacherCase implements BenchCase {
    public static final int TILE = 256;
    public static final int OVERLAP = 32;
    private static final String MOTION = "Restormer motion-deblurring (dim 48)";

    private final String name;
    private final String label;
    private final RestormerConfig config;
    private final int h;
    private final int w;
    private final int tile;
    private RestormerInference inference;
    private NDArray x;

    private TeacherCase(String name, String label, RestormerConfig config, int h, int w, int tile) {
        this.name = name;
        this.label = label;
        this.config = config;
        this.h = h;
        this.w = w;
        this.tile = tile;
    }

    public static TeacherCase tiny256() {
        return new TeacherCase("teacher-tiny-256", "Restormer tiny (dim 8)", RestormerConfig.tiny(LayerNormType.WITH_BIAS, false),
                256, 256, 0);
    }

    public static TeacherCase full540x960() {
        return new TeacherCase("teacher-full-540x960", MOTION, RestormerConfig.motionDeblurring(), 540, 960, 0);
    }

    public static TeacherCase full540x960Tiled() {
        return new TeacherCase("teacher-full-540x960-tiled", MOTION, RestormerConfig.motionDeblurring(), 540, 960, TILE);
    }

    /** The shipped compact teacher's architecture ({@code models/restormer-s/arch.json}): what the demo's teacher cache runs per quadrant. */
    public static TeacherCase compact540x960() {
        RestormerConfig config = TeacherResolver.readConfig(Checkout.home().resolve(TeacherResolver.COMPACT_DIR).resolve("arch.json"));
        return new TeacherCase("teacher-compact-540x960", "Restormer restormer-s (" + TeacherResolver.COMPACT_DIR + ", dim "
                + config.dim() + ")", config, 540, 960, 0);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return label + ", random weights, 1x3x" + h + "x" + w
                + (tile > 0 ? ", tiles " + tile + " overlap " + OVERLAP : ", whole image");
    }

    /** Untiled: one forward at the padded size. Tiled: one forward per tile (tiles overlap, so more work). */
    @Override
    public double flops() {
        if (tile == 0) {
            return Flops.restormer(config, 1, h, w);
        }
        long tiles = (long) RestormerInference.starts(h, Math.min(tile, h), OVERLAP).length
                * RestormerInference.starts(w, Math.min(tile, w), OVERLAP).length;
        return tiles * Flops.restormer(config, 1, Math.min(tile, h), Math.min(tile, w));
    }

    @Override
    public void setUp(NDManager manager) {
        manager.getEngine().setRandomSeed(0);
        Restormer model = Restormer.create(config, manager);
        RestormerInference.Options o = RestormerInference.Options.upstream();
        inference = new RestormerInference(model, tile > 0 ? o.withTile(tile, OVERLAP) : o);
        x = manager.randomUniform(0f, 1f, new Shape(1, 3, h, w));
    }

    @Override
    public void run(NDManager manager) {
        NDArray y = inference.restore(x);
        y.attach(manager);
        y.getFloat(0, 0, 0, 0);
    }
}
