package org.kdrestore.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A tiny in-memory dataset: smooth random "sharp" images, a 3×3 box-blurred "degraded" copy
 * and a "teacher" halfway between. Deterministic from its seed.
 */
final class SyntheticSet implements TrainingSet {
    private final int n;
    private final int nVal;
    private final int h;
    private final int w;

    SyntheticSet(int n, int nVal, int h, int w) {
        this.n = n;
        this.nVal = nVal;
        this.h = h;
        this.w = w;
    }

    @Override
    public List<String> trainIds() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("train" + i);
        }
        return out;
    }

    @Override
    public List<String> validationIds() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nVal; i++) {
            out.add("val" + i);
        }
        return out;
    }

    @Override
    public Sample load(String id, boolean withTeacher) {
        SplittableRandom r = new SplittableRandom(id.hashCode());
        float[] sharp = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            double fy = 0.2 + r.nextDouble();
            double fx = 0.2 + r.nextDouble();
            double ph = r.nextDouble() * 6;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.4 * Math.sin(fy * y + ph) * Math.cos(fx * x) + 0.05 * (r.nextDouble() - 0.5);
                    sharp[c * h * w + y * w + x] = (float) Math.min(1, Math.max(0, v));
                }
            }
        }
        float[] blur = new float[sharp.length];
        float[] teacher = new float[sharp.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    int k = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = Math.min(h - 1, Math.max(0, y + dy));
                            int xx = Math.min(w - 1, Math.max(0, x + dx));
                            s += sharp[c * h * w + yy * w + xx];
                            k++;
                        }
                    }
                    int i = c * h * w + y * w + x;
                    blur[i] = s / k;
                    teacher[i] = (blur[i] + sharp[i]) / 2;
                }
            }
        }
        return new Sample(id, new Planar(h, w, blur), new Planar(h, w, sharp), withTeacher ? new Planar(h, w, teacher) : null);
    }

    @Override
    public String manifestHash() {
        return "synthetic-" + n + "-" + nVal + "-" + h + "x" + w;
    }

    @Override
    public String teacherWeightsSha256() {
        return "none (synthetic)";
    }

    /** A small, fast config: width-8 student, 16 px crops, batch 4, 3 epochs of 4 steps, no VGG. */
    static TrainConfig tinyConfig(String... sets) {
        List<String> all = new ArrayList<>(List.of("student.preset=seed-fixed", "student.width=8", "train.epochs=3",
                "train.batch_size=4", "train.lr=1e-2", "train.crop=16", "train.crops_per_image=2", "train.flips=true",
                "train.seed=11", "train.checkpoint_every=3", "loss.gt_vgg=0", "loss.teacher_vgg=0", "data.val_crop=16"));
        all.addAll(List.of(sets));
        return ConfigLoader.load("seed", all);
    }
}
