package org.kdrestore.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.ProcessLock;
import org.kdrestore.common.Progress;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.data.Sample;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;

/**
 * Teacher outputs for every degraded image of a prepared dataset, computed once.
 *
 * <p>Layout: {@code CACHE/<key>/<id>.png} plus {@code CACHE/<key>/index.json}. The key is the
 * first 16 hex digits of sha256 over the weights' sha256, the model config (upstream names) and
 * the inference options, so a different checkpoint or setting never reads stale outputs. Each
 * entry records the sha256 of the degraded image it was computed from; an entry counts only when
 * that hash still matches and its PNG is intact, so an interrupted or partly stale run resumes
 * where it stopped. PNGs and the index are written atomically (temp file, rename).
 *
 * <p>Quantisation: 16-bit PNG, stored value {@code round(clamp(y, 0, 1) · 65535)}; reading divides
 * by 65535, so a cached value is within 1/131070 ≈ 7.6e-6 of the teacher's clamped output (the
 * Java-vs-upstream model error is ~5e-7). Outputs are always clamped, as upstream's test script does.
 */
public final class TeacherCache {
    public static final String INDEX = "index.json";
    public static final int FORMAT = 1;
    public static final String QUANTISATION = "16-bit PNG: round(clamp(y,0,1)*65535); read back as v/65535; "
            + "max error 1/131070 (7.6e-6)";

    /** One cached output: {@code file} is relative to the cache directory. */
    public record Entry(String id, String imageSha256, String file, String outputSha256) {}

    /** The index file: what produced the outputs and the outputs themselves, by id. */
    public record Index(int format, String key, String weights, String weightsSha256, Map<String, Object> config,
            Map<String, Object> inference, String quantisation, Map<String, Entry> entries) {}

    /** What {@link #build} did. */
    public record Summary(Path cacheDir, String key, int images, int computed, int reused) {}

    private final Path dir;
    private final Index index;

    private TeacherCache(Path dir, Index index) {
        this.dir = dir;
        this.index = index;
    }

    public static String key(String weightsSha256, RestormerConfig config, RestormerInference.Options options) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("format", FORMAT);
        k.put("weights_sha256", weightsSha256);
        k.put("config", new TreeMap<>(config.toUpstreamMap()));
        k.put("inference", inferenceMap(options));
        return Hashing.sha256(Json.write(k)).substring(0, 16);
    }

    static Map<String, Object> inferenceMap(RestormerInference.Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pad", o.pad());
        m.put("clamp", o.clamp());
        m.put("tile", o.tile());
        m.put("overlap", o.tile() > 0 ? o.overlap() : 0);
        m.put("blend", o.tile() > 0 ? o.blend().name() : "none");
        return m;
    }

    /**
     * The degraded images of a prepared dataset ({@code data.PreparedDataset}), by sample id
     * ({@code <photo>_<quadrant>}), in manifest order. File hashes are checked per image by the
     * cache itself, so the dataset is opened without re-hashing everything.
     */
    public static Map<String, Path> degradedImages(Path prepared) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (Sample s : PreparedDataset.open(prepared, false).samples()) {
            out.put(s.id(), s.degraded());
        }
        if (out.isEmpty()) {
            throw new UserInputException("prepared dataset " + prepared + " lists no samples");
        }
        return out;
    }

    /**
     * Fills the cache under {@code cacheRoot} with {@code teacher}'s output for every quadrant of
     * the prepared dataset (reusing what is there; progress on stderr unless quiet): what demo,
     * distill and sweep run before training when outputs are missing.
     */
    public static Summary fill(TeacherResolver.Resolved teacher, Path prepared, Path cacheRoot, boolean quiet) throws IOException {
        return fill(teacher, prepared, cacheRoot, RestormerInference.Options.upstream(), quiet);
    }

    /** {@link #fill} with other inference options (tiles, to bound a large teacher's memory). */
    public static Summary fill(TeacherResolver.Resolved teacher, Path prepared, Path cacheRoot, RestormerInference.Options options,
            boolean quiet) throws IOException {
        try (NDManager m = org.kdrestore.common.Engines.newManager()) {
            Restormer model = teacher.load(m);
            return build(degradedImages(prepared), model, teacher.weights(), options, cacheRoot, m, quiet);
        }
    }

    /**
     * Computes (or reuses) the teacher output of every image (id → degraded image file); returns
     * where they are.
     *
     * @param weights the checkpoint the model was loaded from (hashed into the key)
     */
    public static Summary build(Map<String, Path> images, Restormer model, Path weights, RestormerInference.Options options,
            Path cacheRoot, NDManager manager, boolean quiet) throws IOException {
        if (!options.clamp()) {
            throw new UserInputException("the teacher cache stores clamped outputs (16-bit PNG); clamping cannot be off");
        }
        String weightsSha = Hashing.sha256(weights);
        String key = key(weightsSha, model.config(), options);
        Path dir = cacheRoot.resolve(key);
        Files.createDirectories(dir);
        // Two processes filling one cache: the second waits, then reads the index the first left
        // and computes only what is still missing (never an output twice, never two writers).
        try (ProcessLock lock = ProcessLock.acquire(dir.resolve(LOCK_FILE), "teacher cache " + dir, FILL_WAIT,
                quiet ? null : System.err)) {
            return buildLocked(images, model, weights, weightsSha, key, dir, options, manager, quiet);
        }
    }

    /** The lock file of a cache folder ({@link ProcessLock}). */
    public static final String LOCK_FILE = ".lock";
    /** How long a second process waits for another one filling the same cache (a large data set takes hours). */
    static final java.time.Duration FILL_WAIT = java.time.Duration.ofDays(2);

    private static Summary buildLocked(Map<String, Path> images, Restormer model, Path weights, String weightsSha, String key,
            Path dir, RestormerInference.Options options, NDManager manager, boolean quiet) throws IOException {
        Map<String, Entry> entries = new TreeMap<>();
        Path indexFile = dir.resolve(INDEX);
        if (Files.exists(indexFile)) {
            entries.putAll(readIndex(indexFile).entries());
        }
        RestormerInference inference = new RestormerInference(model, options);
        int computed = 0;
        int reused = 0;
        try (Progress progress = new Progress("teacher cache", images.size(), quiet)) {
            for (Map.Entry<String, Path> item : images.entrySet()) {
                String id = item.getKey();
                Path image = item.getValue();
                String imageSha = Hashing.sha256(image);
                Entry old = entries.get(id);
                if (old != null && old.imageSha256().equals(imageSha) && intact(dir, old)) {
                    reused++;
                } else {
                    String file = id + ".png";
                    try (NDManager m = manager.newSubManager()) {
                        NDArray out = inference.restore(ImageTensors.read(m, image));
                        ImageTensors.write16(dir.resolve(file), out);
                    }
                    entries.put(id, new Entry(id, imageSha, file, Hashing.sha256(dir.resolve(file))));
                    // The index after every image: an interrupted run loses at most the image in flight.
                    writeIndex(dir, key, weights, weightsSha, model.config(), options, entries);
                    computed++;
                }
                progress.status(computed + " computed, " + reused + " reused");
                progress.step();
            }
        }
        writeIndex(dir, key, weights, weightsSha, model.config(), options, entries);
        return new Summary(dir, key, images.size(), computed, reused);
    }

    private static boolean intact(Path dir, Entry e) throws IOException {
        Path f = dir.resolve(e.file());
        return Files.isRegularFile(f) && Hashing.sha256(f).equals(e.outputSha256());
    }

    private static void writeIndex(Path dir, String key, Path weights, String weightsSha, RestormerConfig config,
            RestormerInference.Options options, Map<String, Entry> entries) throws IOException {
        Json.writeFile(dir.resolve(INDEX), new Index(FORMAT, key, weights.getFileName().toString(), weightsSha,
                config.toUpstreamMap(), inferenceMap(options), QUANTISATION, entries));
    }

    static Index readIndex(Path file) {
        try {
            JsonNode root = Json.MAPPER.readTree(file.toFile());
            Index idx = Json.MAPPER.treeToValue(root, Index.class);
            if (idx.format() != FORMAT || idx.entries() == null) {
                throw new UserInputException("teacher cache index " + file + " has format " + idx.format() + ", expected " + FORMAT);
            }
            return idx;
        } catch (IOException e) {
            throw new UserInputException("teacher cache index " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * Opens a cache for reading: {@code path} is a cache directory (with index.json) or a cache
     * root holding exactly one.
     */
    public static TeacherCache open(Path path) {
        if (Files.isRegularFile(path.resolve(INDEX))) {
            return new TeacherCache(path, readIndex(path.resolve(INDEX)));
        }
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                s.filter(p -> Files.isRegularFile(p.resolve(INDEX))).sorted().forEach(found::add);
            } catch (IOException e) {
                throw new UserInputException("cannot list teacher cache " + path + ": " + e.getMessage(), e);
            }
        }
        if (found.size() != 1) {
            throw new UserInputException("teacher cache " + path + (found.isEmpty() ? " holds no " + INDEX
                    : " holds several caches " + found.stream().map(p -> p.getFileName().toString()).toList()
                            + "; name one directory"));
        }
        return open(found.get(0));
    }

    public Path dir() {
        return dir;
    }

    public Index index() {
        return index;
    }

    /** The cached output of image {@code id} (a degraded file's stem) as CHW float32 RGB. */
    public NDArray read(NDManager manager, String id) {
        Entry e = index.entries().get(id);
        if (e == null) {
            throw new UserInputException("teacher cache " + dir + " has no output for image '" + id + "'");
        }
        return ImageTensors.read(manager, dir.resolve(e.file()));
    }

    /** The cached output of sample {@code id}, refused if computed from another version of {@code degraded}. */
    public NDArray readFor(NDManager manager, String id, Path degraded) throws IOException {
        Entry e = index.entries().get(id);
        if (e != null && !e.imageSha256().equals(Hashing.sha256(degraded))) {
            throw new UserInputException("teacher cache " + dir + ": output for '" + id + "' was computed from a different "
                    + degraded + " (sha256 differs); rerun 'kd-restore teacher cache'");
        }
        return read(manager, id);
    }

    /** The cached output of a prepared sample, checked against its degraded image's sha256. */
    public NDArray readFor(NDManager manager, Sample sample) throws IOException {
        return readFor(manager, sample.id(), sample.degraded());
    }
}
