package org.kdrestore.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.Images;
import org.opencv.core.Mat;
import org.kdrestore.data.PreparedDataset;

/**
 * A prepared dataset ({@code PREPARED/manifest.json}, sharp/ and degraded/ PNGs) split by photo
 * into training and validation samples, with the teacher's cached outputs as the second target.
 */
public final class PreparedTrainingSet implements TrainingSet {
    /** Where the teacher's cached output for a sample lives (the CLI wires {@code infer.TeacherCache} in). */
    public interface TeacherTargets {
        /** The cached output image of sample {@code id}, or null when the cache has none. */
        Path file(String id);

        /** sha256 of the degraded image the cached output was computed from, or null when unknown. */
        String inputSha256(String id);

        /** sha256 of the teacher weights that produced the cache. */
        String weightsSha256();

        /** Names the cache in error messages. */
        String describe();
    }

    private final PreparedDataset dataset;
    private final Map<String, org.kdrestore.data.Sample> byId = new LinkedHashMap<>();
    private final List<String> train;
    private final List<String> val;
    private final TeacherTargets teacher;
    /**
     * Decoded images, least recently used dropped first, within a quarter of the heap. Every crop
     * of an epoch used to decode its three full PNGs again (about 60 ms of a core per sample with
     * the teacher's 16-bit one, on loader threads that share the cores with the training step).
     * The values are the same either way; only the time differs.
     */
    private final Map<Path, Planar> decoded = new LinkedHashMap<>(64, 0.75f, true);
    private long decodedBudget = Runtime.getRuntime().maxMemory() / 4;
    private long decodedBytes;

    /**
     * @param valFraction share of photos held out (at least one photo when above 0, never all)
     * @param seed drives which photos are held out ({@link PreparedDataset#split(double, long)})
     * @param teacher the teacher cache, or null when no teacher loss term is on
     * @throws UserInputException naming every sample the teacher cache lacks
     */
    public PreparedTrainingSet(PreparedDataset dataset, double valFraction, long seed, TeacherTargets teacher) {
        this.dataset = dataset;
        this.teacher = teacher;
        PreparedDataset.Split split = dataset.split(valFraction, seed);
        dataset.samples().forEach(s -> byId.put(s.id(), s));
        this.train = split.train().stream().map(org.kdrestore.data.Sample::id).toList();
        this.val = split.val().stream().map(org.kdrestore.data.Sample::id).toList();
        if (teacher != null) {
            Map<String, String> degradedSha = new LinkedHashMap<>();
            dataset.manifest().photos().forEach(p -> p.quadrants().forEach(q -> degradedSha.put(q.id(), q.degradedSha256())));
            List<String> missing = new ArrayList<>();
            List<String> stale = new ArrayList<>();
            for (String id : train) {
                Path f = teacher.file(id);
                if (f == null || !Files.isRegularFile(f)) {
                    missing.add(id);
                } else if (teacher.inputSha256(id) != null && degradedSha.get(id) != null
                        && !teacher.inputSha256(id).equals(degradedSha.get(id))) {
                    stale.add(id);
                }
            }
            if (!stale.isEmpty()) {
                throw new UserInputException("teacher cache " + teacher.describe() + " was computed from other degraded images than "
                        + dataset.root() + " holds for " + String.join(", ", stale.subList(0, Math.min(10, stale.size())))
                        + (stale.size() > 10 ? ", ..." : "") + " (sha256 differs); rerun 'kd-restore teacher cache --data "
                        + dataset.root() + "'");
            }
            if (!missing.isEmpty()) {
                throw new UserInputException("teacher cache " + teacher.describe() + " lacks the output of " + missing.size()
                        + " training sample(s): " + String.join(", ", missing.subList(0, Math.min(10, missing.size())))
                        + (missing.size() > 10 ? ", ..." : "") + "; run 'kd-restore teacher cache --data " + dataset.root() + "'");
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
            throw new UserInputException("dataset " + dataset.root() + " has no sample '" + id + "'");
        }
        Planar teacherImage = null;
        if (withTeacher) {
            if (teacher == null) {
                throw new IllegalStateException("a teacher target was asked for but no teacher cache was given");
            }
            teacherImage = cached(teacher.file(id));
        }
        return new Sample(id, cached(s.degraded()), cached(s.sharp()), teacherImage);
    }

    /** Test hook: another budget for decoded images, in bytes. */
    void decodedBudget(long bytes) {
        decodedBudget = bytes;
    }

    /** Bytes of decoded images kept now. */
    long decodedBytes() {
        synchronized (decoded) {
            return decodedBytes;
        }
    }

    /** {@link #read}, kept while it fits the budget (loader threads call this concurrently; planars are never written to). */
    private Planar cached(Path file) {
        synchronized (decoded) {
            Planar p = decoded.get(file);
            if (p != null) {
                return p;
            }
        }
        Planar p = read(file); // outside the lock: two loaders decode two files at once
        long size = 4L * p.chw().length;
        synchronized (decoded) {
            if (size <= decodedBudget && decoded.putIfAbsent(file, p) == null) {
                decodedBytes += size;
                var it = decoded.entrySet().iterator();
                while (decodedBytes > decodedBudget && it.hasNext()) {
                    decodedBytes -= 4L * it.next().getValue().chw().length;
                    it.remove();
                }
            }
        }
        return p;
    }

    /**
     * Reads an 8- or 16-bit image as CHW floats (called from loader threads). Deliberately no
     * NDArray here: torch ops on loader threads running alongside the training step's backward
     * pass gave sporadically wrong gradients, so decoding stays in OpenCV and plain Java. It uses
     * {@code ImageTensors.chw}, the plain-Java half of {@code ImageTensors.fromMat}.
     */
    static Planar read(Path file) {
        Mat bgr = Images.readBgr(file);
        try {
            return new Planar(bgr.rows(), bgr.cols(), ImageTensors.chw(bgr));
        } catch (IllegalArgumentException e) {
            throw new UserInputException("image " + file + ": " + e.getMessage() + "; expected RGB, 8 or 16 bit", e);
        } finally {
            bgr.release();
        }
    }

    @Override
    public String manifestHash() {
        return dataset.manifestSha256();
    }

    @Override
    public String teacherWeightsSha256() {
        return teacher == null ? null : teacher.weightsSha256();
    }

    @Override
    public String location() {
        return dataset.root().toAbsolutePath().toString();
    }

    /** The photos whose quadrants are held out for validation, in sample order, without repeats. */
    public List<String> validationPhotos() {
        return val.stream().map(id -> byId.get(id).photo()).distinct().toList();
    }

    public PreparedDataset dataset() {
        return dataset;
    }
}
