package org.kdrestore.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;

/**
 * A dataset written by {@link DatasetPreparer}, opened read-only. {@link #open} checks the
 * manifest and that every listed file exists (and, by default, has the recorded sha256), so a
 * missing or corrupt file is reported by name before any training starts.
 */
public final class PreparedDataset {
    private final Path root;
    private final Manifest manifest;
    private final String manifestSha256;
    private final List<Sample> samples;

    private PreparedDataset(Path root, Manifest manifest, String manifestSha256, List<Sample> samples) {
        this.root = root;
        this.manifest = manifest;
        this.manifestSha256 = manifestSha256;
        this.samples = List.copyOf(samples);
    }

    /** Opens and fully verifies (sha256 of every file) a prepared dataset. */
    public static PreparedDataset open(Path root) {
        return open(root, true);
    }

    /** Opens a prepared dataset; {@code verifyHashes=false} only checks that the files exist. */
    public static PreparedDataset open(Path root, boolean verifyHashes) {
        if (!Files.exists(root)) {
            throw new UserInputException("prepared dataset folder not found: " + root);
        }
        if (!Files.isDirectory(root)) {
            throw new UserInputException("prepared dataset must be a folder, got a file: " + root);
        }
        Path mp = root.resolve(DatasetPreparer.MANIFEST);
        if (!Files.isRegularFile(mp)) {
            throw new UserInputException("no " + DatasetPreparer.MANIFEST + " in " + root
                    + " (is it a prepared dataset? build one with 'kd-restore prepare')");
        }
        Manifest m = DatasetPreparer.readManifest(mp);
        if (!m.complete()) {
            throw new UserInputException(mp + " is marked incomplete: the prepare run was interrupted; run prepare again");
        }
        if (m.photos().isEmpty()) {
            throw new UserInputException("prepared dataset " + root + " holds no photos");
        }
        List<Sample> samples = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Manifest.Photo p : m.photos()) {
            if (p.quadrants() == null || p.quadrants().size() != 4) {
                throw new UserInputException(mp + ": photo '" + p.photo() + "' does not list four quadrants");
            }
            for (Manifest.Entry e : p.quadrants()) {
                if (!ids.add(e.id())) {
                    throw new UserInputException(mp + ": sample id '" + e.id() + "' appears twice");
                }
                Path sharp = checkFile(root, e.sharp(), e.sharpSha256(), verifyHashes);
                Path degraded = checkFile(root, e.degraded(), e.degradedSha256(), verifyHashes);
                samples.add(new Sample(e.id(), p.photo(), e.quadrant(), sharp, degraded));
            }
        }
        try {
            return new PreparedDataset(root, m, Hashing.sha256(mp), samples);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + mp + ": " + e.getMessage(), e);
        }
    }

    private static Path checkFile(Path root, String rel, String sha, boolean verify) {
        if (rel == null || rel.startsWith("/") || rel.contains("..")) {
            throw new UserInputException("manifest in " + root + " lists a bad path: " + rel);
        }
        Path p = root.resolve(rel);
        if (!Files.isRegularFile(p)) {
            throw new UserInputException("prepared dataset file missing: " + p + " (run prepare again to rebuild it)");
        }
        if (verify) {
            try {
                if (!Hashing.sha256(p).equals(sha)) {
                    throw new UserInputException("prepared dataset file is corrupt (sha256 differs from the manifest): " + p
                            + " (run prepare again to rebuild it)");
                }
            } catch (IOException e) {
                throw new UserInputException("cannot read " + p + ": " + e.getMessage(), e);
            }
        }
        return p;
    }

    public Path root() {
        return root;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** sha256 of manifest.json: identifies this exact dataset (inputs, parameters, outputs). */
    public String manifestSha256() {
        return manifestSha256;
    }

    /** Every sample, in manifest order (photos by name, quadrants tl, tr, bl, br). */
    public List<Sample> samples() {
        return samples;
    }

    /** The distinct photo names, in manifest order. */
    public List<String> photos() {
        return manifest.photos().stream().map(Manifest.Photo::photo).toList();
    }

    public DegradationConfig degradation() {
        return manifest.parameters().degradation();
    }

    /** A train/validation division of the samples. */
    public record Split(List<Sample> train, List<Sample> val) {}

    /**
     * Splits by photo, never by quadrant: {@code valPhotos} photos, chosen by shuffling the sorted
     * photo names with {@code new java.util.Random(seed)}, go wholly to validation. Deterministic
     * for a given dataset and seed. Needs at least one training photo.
     */
    public Split split(int valPhotos, long seed) {
        List<String> names = new ArrayList<>(new java.util.TreeSet<>(photos()));
        if (valPhotos < 0 || valPhotos >= names.size()) {
            throw new UserInputException("validation photos must be between 0 and " + (names.size() - 1)
                    + " for a dataset of " + names.size() + " photos, got " + valPhotos);
        }
        Collections.shuffle(names, new Random(seed));
        Set<String> val = new HashSet<>(names.subList(0, valPhotos));
        List<Sample> tr = new ArrayList<>();
        List<Sample> va = new ArrayList<>();
        for (Sample s : samples) {
            (val.contains(s.photo()) ? va : tr).add(s);
        }
        return new Split(List.copyOf(tr), List.copyOf(va));
    }

    /**
     * Splits by photo with {@code round(valFraction * photos)} validation photos, at least one
     * when the fraction is above 0 and at most all but one.
     */
    public Split split(double valFraction, long seed) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new UserInputException("validation fraction must be in [0, 1), got " + valFraction);
        }
        int n = photos().size();
        int k = (int) Math.round(valFraction * n);
        if (valFraction > 0) {
            k = Math.max(1, k);
        }
        k = Math.min(k, n - 1);
        return split(Math.max(0, k), seed);
    }
}
