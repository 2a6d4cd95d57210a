package org.kdrestore.notebook;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.train.TrainingSet;

/**
 * A prepared dataset split by photo ({@code data.val_fraction}, {@code train.seed}) with the
 * teacher cache as second target — the same split call and files as {@code distill} and
 * {@code evaluate}, so {@code Evaluation} finds the held-out photos the run never saw.
 * (The train package's own prepared-dataset set replaces this once merged.)
 */
final class NotebookTrainingSet implements TrainingSet {
    private final PreparedDataset ds;
    private final TeacherCache cache;
    private final Map<String, org.kdrestore.data.Sample> byId = new LinkedHashMap<>();
    private final List<String> train;
    private final List<String> val;

    NotebookTrainingSet(PreparedDataset ds, double valFraction, long seed, TeacherCache cache) {
        this.ds = ds;
        this.cache = cache;
        ds.samples().forEach(s -> byId.put(s.id(), s));
        PreparedDataset.Split split = ds.split(valFraction, seed);
        train = split.train().stream().map(org.kdrestore.data.Sample::id).toList();
        val = split.val().stream().map(org.kdrestore.data.Sample::id).toList();
        for (String id : train) {
            if (cache != null && !cache.index().entries().containsKey(id)) {
                throw new UserInputException("teacher cache " + cache.dir() + " lacks the output of training sample " + id);
            }
        }
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
    public Sample load(String id, boolean withTeacher) {
        org.kdrestore.data.Sample s = byId.get(id);
        if (s == null) {
            throw new UserInputException("dataset " + ds.root() + " has no sample '" + id + "'");
        }
        if (withTeacher && cache == null) {
            throw new UserInputException("the loss uses teacher terms but no teacher cache was given");
        }
        Planar teacher = withTeacher ? read(cache.dir().resolve(cache.index().entries().get(id).file())) : null;
        return new Sample(id, read(s.degraded()), read(s.sharp()), teacher);
    }

    private static Planar read(Path file) {
        try (NDManager m = Engines.newManager()) {
            NDArray a = ImageTensors.read(m, file);
            return new Planar((int) a.getShape().get(1), (int) a.getShape().get(2), a.toFloatArray());
        }
    }

    @Override
    public String manifestHash() {
        return ds.manifestSha256();
    }

    @Override
    public String teacherWeightsSha256() {
        return cache == null ? null : cache.index().weightsSha256();
    }
}
