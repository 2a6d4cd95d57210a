package org.kdrestore.train;

import java.io.IOException;
import java.util.List;

/**
 * What the trainer reads: samples by id, each a degraded input, its ground truth and the
 * teacher's cached output. The teacher target always comes from a cache (never a teacher
 * forward inside the epoch loop). {@link #load} is called from loader threads, concurrently.
 */
public interface TrainingSet {
    /** Training sample ids, in a fixed order (the epoch plan shuffles them). */
    List<String> trainIds();

    /** Validation sample ids (other photos than the training ones), in a fixed order. */
    List<String> validationIds();

    /** Reads one sample; {@code teacher} may be null when {@code withTeacher} is false. */
    Sample load(String id, boolean withTeacher) throws IOException;

    /** Hash of the dataset's manifest, for run.json. */
    String manifestHash();

    /** Where the data lives (recorded in run.json so --resume needs no --data); null when in memory. */
    default String location() {
        return null;
    }

    /** sha256 of the teacher weights that produced the cache, for run.json; null when unknown. */
    String teacherWeightsSha256();

    /** A float image, CHW planes, RGB, values in [0,1]. */
    record Planar(int height, int width, float[] chw) {
        public Planar {
            if (chw.length != 3 * height * width) {
                throw new IllegalArgumentException("expected 3x" + height + "x" + width + " values, got " + chw.length);
            }
        }

        /** The {@code h×w} window at (y0, x0), optionally mirrored left-right and/or top-bottom. */
        public Planar crop(int y0, int x0, int h, int w, boolean hflip, boolean vflip) {
            float[] out = new float[3 * h * w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    int srcRow = c * height * width + (y0 + (vflip ? h - 1 - y : y)) * width + x0;
                    int dstRow = c * h * w + y * w;
                    if (!hflip) {
                        System.arraycopy(chw, srcRow, out, dstRow, w);
                    } else {
                        for (int x = 0; x < w; x++) {
                            out[dstRow + x] = chw[srcRow + w - 1 - x];
                        }
                    }
                }
            }
            return new Planar(h, w, out);
        }
    }

    /** One training or validation sample. */
    record Sample(String id, Planar degraded, Planar sharp, Planar teacher) {}
}
