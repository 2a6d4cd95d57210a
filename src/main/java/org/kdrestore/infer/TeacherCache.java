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
import org.kdrestore.common.Distributor;
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

    /** What {@link #build} did, where, and how fast each worker computed. */
    public record Summary(Path cacheDir, String key, int images, int computed, int reused, String where, List<WorkerRate> workers) {}

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
     * the prepared dataset, in this JVM (reusing what is there; progress on stderr unless quiet):
     * what demo, distill and reproduce run before training when outputs are missing.
     */
    public static Summary fill(TeacherResolver.Resolved teacher, Path prepared, Path cacheRoot, boolean quiet) throws IOException {
        return fill(teacher, prepared, cacheRoot, RestormerInference.Options.upstream(), quiet);
    }

    /** {@link #fill} with other inference options (tiles, to bound a large teacher's memory). */
    public static Summary fill(TeacherResolver.Resolved teacher, Path prepared, Path cacheRoot, RestormerInference.Options options,
            boolean quiet) throws IOException {
        return build(degradedImages(prepared), teacher, options, cacheRoot, Distributor.local(), quiet);
    }

    /**
     * The one way outputs get into a cache: computes (or reuses) the teacher output of every image
     * (id → degraded image file) and returns where they are. The missing images go to
     * {@code distributor} ({@link Distributor#local()}: this JVM, one partition) as {@link FillTask}s:
     * each partition loads the teacher once and runs the same per-image code; this JVM holds the
     * cache's lock, records every output in the index as its partition returns, and reports
     * images/s per worker. On a cluster {@code cacheRoot} must be a path every executor reaches.
     *
     * <p>The weights are loaded here first, so a config that does not match them stops the fill
     * before the cache folder exists (the load is repeated in the task: a second read of the file).
     */
    public static Summary build(Map<String, Path> images, TeacherResolver.Resolved teacher, RestormerInference.Options options,
            Path cacheRoot, Distributor distributor, boolean quiet) throws IOException {
        if (!options.clamp()) {
            throw new UserInputException("the teacher cache stores clamped outputs (16-bit PNG); clamping cannot be off");
        }
        try (NDManager check = org.kdrestore.common.Engines.newManager()) {
            teacher.load(check);
        }
        String jobJson = Json.write(new FillJob(teacher.weights().toAbsolutePath().toString(), teacher.config().toUpstreamMap(),
                options));
        String key = key(teacher.sha256(), teacher.config(), options);
        Path dir = cacheRoot.resolve(key);
        Files.createDirectories(dir);
        // Two processes filling one cache: the second waits, then reads the index the first left
        // and computes only what is still missing (never an output twice, never two writers).
        try (ProcessLock lock = ProcessLock.acquire(dir.resolve(LOCK_FILE), "teacher cache " + dir, FILL_WAIT,
                quiet ? null : System.err)) {
            return buildLocked(images, teacher, key, dir, options, distributor, jobJson, quiet);
        }
    }

    /** What every partition of a fill shares: the teacher's weights, its upstream config, the inference options. */
    record FillJob(String weights, Map<String, Object> config, RestormerInference.Options inference) {}

    /** One image to compute: written to {@code dir/<id>.png}. */
    record Item(String id, String image, String imageSha256, String dir) {}

    /** What an executor returns for one image: its entry, who computed it and how long it took. */
    record Computed(Entry entry, String worker, double seconds) {}

    /**
     * The teacher on one partition of images, wherever it runs: loads the model once, then
     * {@link #computeAll}. Job: weights, upstream config and inference options (JSON).
     */
    public static final class FillTask implements Distributor.PartitionTask {
        @Override
        public void run(String job, List<String> items, Distributor.ResultSink emit) throws IOException {
            FillJob j = Json.MAPPER.readValue(job, FillJob.class);
            try (NDManager m = org.kdrestore.common.Engines.newManager()) {
                Restormer model = TeacherWeights.load(Path.of(j.weights()), RestormerConfig.fromUpstreamMap(j.config()), m);
                computeAll(new RestormerInference(model, j.inference()), items, m, emit);
            }
        }
    }

    /** The per-image work, the same in this JVM and on an executor: restore, write the 16-bit PNG atomically, hash it. */
    private static void computeAll(RestormerInference inference, List<String> items, NDManager manager, Distributor.ResultSink sink)
            throws IOException {
        String worker = Distributor.worker();
        for (String json : items) {
            Item item = Json.MAPPER.readValue(json, Item.class);
            long t0 = System.nanoTime();
            Path file = Path.of(item.dir()).resolve(item.id() + ".png");
            try (NDManager m = manager.newSubManager()) {
                NDArray out = inference.restore(ImageTensors.read(m, Path.of(item.image())));
                ImageTensors.write16(file, out);
            }
            Entry e = new Entry(item.id(), item.imageSha256(), file.getFileName().toString(), Hashing.sha256(file));
            sink.accept(item.id(), Json.write(new Computed(e, worker, (System.nanoTime() - t0) / 1e9)));
        }
    }

    private static final long INDEX_WRITE_INTERVAL_NS = 2_000_000_000L;

    /** The lock file of a cache folder ({@link ProcessLock}). */
    public static final String LOCK_FILE = ".lock";
    /** How long a second process waits for another one filling the same cache (a large data set takes hours). */
    static final java.time.Duration FILL_WAIT = java.time.Duration.ofDays(2);

    private static Summary buildLocked(Map<String, Path> images, TeacherResolver.Resolved teacher, String key, Path dir,
            RestormerInference.Options options, Distributor distributor, String jobJson, boolean quiet) throws IOException {
        Map<String, Entry> entries = new TreeMap<>();
        Path indexFile = dir.resolve(INDEX);
        if (Files.exists(indexFile)) {
            entries.putAll(readIndex(indexFile).entries());
        }
        removeUnfinishedWrites(dir);
        List<String> todo = new ArrayList<>();
        int reused = 0;
        for (Map.Entry<String, Path> item : images.entrySet()) {
            String imageSha = Hashing.sha256(item.getValue());
            Entry old = entries.get(item.getKey());
            if (old != null && old.imageSha256().equals(imageSha) && intact(dir, old)) {
                reused++;
            } else {
                todo.add(Json.write(new Item(item.getKey(), item.getValue().toAbsolutePath().toString(), imageSha,
                        dir.toAbsolutePath().toString())));
            }
        }
        Map<String, double[]> perWorker = new TreeMap<>(); // worker → {images, seconds}
        int reusedFinal = reused;
        int[] computed = {0};
        try (Progress progress = new Progress("teacher cache", images.size(), quiet)) {
            progress.step(reused);
            progress.status("0 computed, " + reused + " reused");
            long[] lastWrite = {System.nanoTime() - INDEX_WRITE_INTERVAL_NS - 1}; // the first output is written at once
            // partitions of a few images: each loads the teacher once, and progress comes in steps of a partition
            int partitions = Math.max(1, Math.min(todo.size(), distributor.parallelism() * 4));
            distributor.run("teacher cache", FillTask.class, jobJson, todo, partitions, (id, json) -> {
                Computed c = Json.MAPPER.readValue(json, Computed.class);
                entries.put(id, c.entry());
                // The index as outputs come in, at most every 2 s (thousands of images would make one write
                // per image quadratic): an interrupted run loses at most the outputs of the last 2 s.
                if (System.nanoTime() - lastWrite[0] > INDEX_WRITE_INTERVAL_NS) {
                    writeIndex(dir, key, teacher, options, entries);
                    lastWrite[0] = System.nanoTime();
                }
                double[] w = perWorker.computeIfAbsent(c.worker(), k -> new double[2]);
                w[0]++;
                w[1] += c.seconds();
                computed[0]++;
                progress.status(computed[0] + " computed, " + reusedFinal + " reused");
                progress.step();
            });
        }
        writeIndex(dir, key, teacher, options, entries);
        removeUnfinishedWrites(dir); // what a failed task left, now that its retry has written the file
        List<String> missing = images.keySet().stream().filter(id -> !entries.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new IOException("teacher cache " + dir + ": no output came back for " + missing);
        }
        List<WorkerRate> rates = new ArrayList<>();
        perWorker.forEach((w, v) -> rates.add(new WorkerRate(w, (int) v[0], v[1])));
        return new Summary(dir, key, images.size(), computed[0], reused, distributor.describe(), rates);
    }

    /** What one worker (this JVM, or an executor) computed: images and the seconds its tasks spent on them. */
    public record WorkerRate(String worker, int images, double seconds) {
        public double imagesPerSecond() {
            return seconds > 0 ? images / seconds : Double.NaN;
        }
    }

    /**
     * Temporaries of writes that never finished (a process or an executor killed mid-write): never
     * results, deleted while this process holds the lock.
     */
    private static void removeUnfinishedWrites(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(org.kdrestore.common.AtomicFiles::isTemporary).toList()) {
                if (!p.getFileName().toString().equals(LOCK_FILE)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static boolean intact(Path dir, Entry e) throws IOException {
        Path f = dir.resolve(e.file());
        return Files.isRegularFile(f) && Hashing.sha256(f).equals(e.outputSha256());
    }

    private static synchronized void writeIndex(Path dir, String key, TeacherResolver.Resolved teacher,
            RestormerInference.Options options, Map<String, Entry> entries) throws IOException {
        Json.writeFile(dir.resolve(INDEX), new Index(FORMAT, key, teacher.weights().getFileName().toString(), teacher.sha256(),
                teacher.config().toUpstreamMap(), inferenceMap(options), QUANTISATION, entries));
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
