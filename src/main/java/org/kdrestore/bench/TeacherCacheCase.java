package org.kdrestore.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kdrestore.common.Checkout;
import org.kdrestore.common.Distributor;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherCache;
import org.kdrestore.infer.TeacherResolver;

/**
 * Teacher caching throughput: the shipped compact teacher on the quadrants of two sample photos
 * (8 quadrants of 960x540 per run, a fresh cache each time), through {@code teacher cache}'s own
 * code, in this JVM or on Spark in local mode with 1 or 2 task slots (the Spark context is started
 * once, in the set-up). Images/s = 8 / the run's time.
 */
public final class TeacherCacheCase implements BenchCase {
    static final List<String> PHOTOS = List.of("Grey.jpg", "ColorfulCups.jpg");
    private final String master;
    private Distributor distributor;
    private Map<String, Path> images;
    private TeacherResolver.Resolved teacher;
    private Path work;

    /** {@code master} null: this JVM. */
    public TeacherCacheCase(String master) {
        this.master = master;
    }

    @Override
    public String name() {
        return master == null ? "teacher-cache" : "teacher-cache-spark-" + master.replaceAll("\\D", "");
    }

    @Override
    public String description() {
        return "teacher cache of 8 sample quadrants (960x540, compact teacher), " + (master == null ? "this JVM" : "Spark " + master);
    }

    @Override
    public void setUp(NDManager manager) throws IOException {
        work = Files.createTempDirectory("kd-bench-cache");
        Path dir = work;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir))); // the bench's child JVM ends after the case
        Path photos = Files.createDirectories(work.resolve("photos"));
        for (String p : PHOTOS) {
            Files.copy(Checkout.home().resolve("data-sample").resolve(p), photos.resolve(p));
        }
        Path prepared = work.resolve("prepared");
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(photos, prepared, false, true);
        images = new LinkedHashMap<>(TeacherCache.degradedImages(prepared));
        teacher = TeacherResolver.choose("compact", null, Checkout.home(), TeacherResolver.defaultCache());
        distributor = master == null ? Distributor.local() : Distributor.open(master, 0);
    }

    @Override
    public void run(NDManager manager) throws IOException {
        Path root = work.resolve("cache");
        TeacherCache.build(images, teacher, RestormerInference.Options.upstream(), root, distributor, true);
        delete(root);
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: the OS cleans it eventually
        }
    }
}
