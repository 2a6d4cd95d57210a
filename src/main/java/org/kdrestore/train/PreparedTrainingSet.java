package org.kdrestore.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.Images;
import org.kdrestore.data.PreparedDataset;
import org.opencv.core.Mat;

/**
 * A prepared dataset ({@code kd-restore prepare}) as (degraded → sharp) pairs, split by photo as
 * {@link PreparedDataset#split(double, long)} does, without teacher outputs (teacher training
 * learns from the ground truth alone). Decoded images are kept in memory after the first read:
 * random crops read each quadrant many times per epoch, and decoding a 960×540 PNG costs more
 * than copying a crop (about 12 MB per pair as float32).
 */
public final class PreparedTrainingSet implements TrainingSet {
    private final PreparedDataset dataset;
    private final Map<String, org.kdrestore.data.Sample> byId = new ConcurrentHashMap<>();
    private final List<String> train;
    private final List<String> val;
    private final Map<String, TrainingSet.Sample> cache = new ConcurrentHashMap<>();

    public PreparedTrainingSet(PreparedDataset dataset, double valFraction, long seed) {
        this.dataset = dataset;
        PreparedDataset.Split split = dataset.split(valFraction, seed);
        dataset.samples().forEach(s -> byId.put(s.id(), s));
        this.train = split.train().stream().map(org.kdrestore.data.Sample::id).toList();
        this.val = split.val().stream().map(org.kdrestore.data.Sample::id).toList();
    }

    public PreparedDataset dataset() {
        return dataset;
    }

    /** The photos whose quadrants are held out for validation, in sample order, without repeats. */
    public List<String> validationPhotos() {
        return val.stream().map(id -> byId.get(id).photo()).distinct().toList();
    }

    @Override
    public List<String> trainIds() {
        return train;
    }

    @Override
    public List<String> validationIds() {
        return val;
    }

    @Override
    public TrainingSet.Sample load(String id, boolean withTeacher) throws IOException {
        if (withTeacher) {
            throw new IllegalArgumentException("a prepared dataset has no teacher outputs");
        }
        TrainingSet.Sample cached = cache.get(id);
        if (cached != null) {
            return cached;
        }
        org.kdrestore.data.Sample s = byId.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no sample " + id + " in " + dataset.root());
        }
        TrainingSet.Sample loaded = new TrainingSet.Sample(id, read(s.degraded()), read(s.sharp()), null);
        cache.put(id, loaded);
        return loaded;
    }

    private static Planar read(Path file) {
        Mat m = Images.readBgr(file);
        try {
            return new Planar(m.rows(), m.cols(), ImageTensors.chw(m));
        } finally {
            m.release();
        }
    }

    @Override
    public String manifestHash() {
        return dataset.manifestSha256();
    }

    @Override
    public String teacherWeightsSha256() {
        return null;
    }
}
