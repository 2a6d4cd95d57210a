package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.kdrestore.model.Restormer;

/**
 * Tiled versus untiled teacher output ({@code kd-restore teacher tiling-error}). Timing and
 * memory of the teacher are cases of {@code kd-restore bench} (package {@code bench}).
 */
public final class TeacherBench {
    private TeacherBench() {}

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
