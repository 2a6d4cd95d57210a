package org.kdrestore.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kdrestore.cli.KdRestoreTest;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Json;
import org.kdrestore.model.TinyTeacher;

/**
 * The three commands with {@code --spark local[2]} against the same commands run locally, on two
 * sample photos (8 quadrants) and a tiny teacher: the cache byte for byte, the evaluation tables
 * equal, the sweep table equal; and a task that fails half-way through writing an output.
 */
class SparkCommandsTest {
    /** Shared by this class and {@link StandaloneClusterTest}, made once per JVM, deleted at its exit. */
    static Path tmp;
    static Path prepared;
    static TinyTeacher.Files teacher;

    record Result(int code, String out, String err) {}

    /** The CLI in this JVM, as the core's tests run it. */
    static Result run(String... args) {
        KdRestoreTest.Result r = KdRestoreTest.run(args);
        return new Result(r.code, r.out, r.err);
    }

    @BeforeAll
    static synchronized void inputs() throws Exception {
        if (tmp != null) {
            return;
        }
        tmp = Files.createTempDirectory("kd-restore-spark-test");
        Path dir = tmp;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary folder; the OS cleans it eventually
            }
        }));
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        for (String p : List.of("Grey.jpg", "ColorfulCups.jpg")) {
            Files.copy(Path.of("..", "data-sample", p), photos.resolve(p));
        }
        prepared = tmp.resolve("prepared");
        assertEquals(0, run("prepare", "--input", photos.toString(), "--output", prepared.toString()).code());
        teacher = TinyTeacher.write(tmp);
    }

    static Result teacherCache(Path cacheRoot, String... more) {
        List<String> a = new ArrayList<>(List.of("teacher", "cache", "--data", prepared.toString(), "--weights",
                teacher.weights().toString(), "--arch-config", teacher.config().toString(), "--cache", cacheRoot.toString()));
        a.addAll(List.of(more));
        return run(a.toArray(String[]::new));
    }

    /** Every file under {@code root} (lock files aside) by relative path → bytes. */
    static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (!p.getFileName().toString().equals(".lock")) {
                    m.put(root.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return m;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), k);
        }
    }

    static Map<String, byte[]> localCache() throws IOException {
        Path local = tmp.resolve("cache-local");
        if (!Files.exists(local)) {
            Result r = teacherCache(local);
            assertEquals(0, r.code(), r.err());
        }
        return files(local);
    }

    @Test
    void teacherCacheOnSparkIsByteIdenticalToTheLocalOneAndReusesIt() throws IOException {
        Map<String, byte[]> local = localCache();
        assertEquals(8 + 1, local.size(), "8 quadrant outputs and the index: " + local.keySet());
        Path spark = tmp.resolve("cache-spark");
        Result r = teacherCache(spark, "--spark", "local[2]");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("8 computed, 0 reused") && r.out().contains("Spark local[2]") && r.out().contains("images/s"), r.out());
        assertSameFiles(local, files(spark));

        Result again = teacherCache(spark, "--spark", "local[2]", "--json");
        assertEquals(0, again.code(), again.err());
        assertEquals(8, Json.MAPPER.readTree(again.out()).path("reused").asInt(), again.out());
    }

    /**
     * The first attempt of one task stops half-way through writing an output, as a killed executor
     * would, leaving half a temporary file; Spark retries the task ({@code local[2,2]}: two attempts),
     * and the cache ends complete, byte-identical to the local one, with no temporary left.
     */
    @Test
    void aTaskThatFailsMidWriteIsRetriedAndTheCacheEndsCompleteAndValid() throws IOException {
        Map<String, byte[]> local = localCache();
        String victim = local.keySet().stream().filter(k -> k.endsWith("_br.png")).findFirst().orElseThrow();
        String name = Path.of(victim).getFileName().toString();
        Path spark = tmp.resolve("cache-fault");
        System.setProperty(AtomicFiles.CRASH_WRITE, name);
        try {
            Result r = teacherCache(spark, "--spark", "local[2,2]");
            assertEquals(0, r.code(), r.err());
            assertEquals(null, System.getProperty(AtomicFiles.CRASH_WRITE), "the injected crash happened");
        } finally {
            System.clearProperty(AtomicFiles.CRASH_WRITE);
        }
        assertSameFiles(local, files(spark));
    }

    /** Without retries (local[2]: one attempt) the same crash fails the command with the items named, and a rerun completes it. */
    @Test
    void aTaskThatFailsForGoodNamesItsImagesAndARerunCompletesTheCache() throws IOException {
        Map<String, byte[]> local = localCache();
        String victim = local.keySet().stream().filter(k -> k.endsWith("_tl.png")).findFirst().orElseThrow();
        String name = Path.of(victim).getFileName().toString();
        Path spark = tmp.resolve("cache-fail");
        System.setProperty(AtomicFiles.CRASH_WRITE, name);
        Result r;
        try {
            r = teacherCache(spark, "--spark", "local[2]");
        } finally {
            System.clearProperty(AtomicFiles.CRASH_WRITE);
        }
        assertEquals(1, r.code(), r.out());
        String stem = name.substring(0, name.length() - ".png".length());
        assertTrue(r.err().contains("partition of") && (r.err().contains(": " + stem) || r.err().contains(", " + stem)),
                "the failure names the partition's images: " + r.err());
        assertTrue(r.err().startsWith("error: teacher cache failed on Spark local[2] after its retries: ") && r.err().strip().lines().count() == 1 && !r.err().contains("\tat "),
                "one line, no stack trace: " + r.err());
        Result again = teacherCache(spark, "--spark", "local[2]");
        assertEquals(0, again.code(), again.err());
        assertSameFiles(local, files(spark));
    }

    @Test
    void evaluationOnSparkGivesTheLocalTables() throws IOException {
        localCache();
        Path run = tmp.resolve("run");
        Result d = run("distill", "--config", "quick", "--data", prepared.toString(), "--run-dir", run.toString(), "--set",
                "train.max_steps=2", "--set", "train.epochs=1", "--set", "train.crop=64", "--set", "data.val_crop=64", "--set",
                "loss.teacher_l1=0", "--set", "loss.teacher_ssim=0", "--set", "loss.teacher_vgg=0");
        assertEquals(0, d.code(), d.err());
        List<String> base = List.of("evaluate", "--run", run.toString(), "--data", prepared.toString(), "--teacher-cache",
                tmp.resolve("cache-local").toString(), "--latency-runs", "0");
        Path localOut = tmp.resolve("eval-local");
        Path sparkOut = tmp.resolve("eval-spark");
        List<String> a = new ArrayList<>(base);
        a.addAll(List.of("--output", localOut.toString()));
        Result l = run(a.toArray(String[]::new));
        assertEquals(0, l.code(), l.err());
        a = new ArrayList<>(base);
        // each task with this JVM's PyTorch threads, as the local run had: the same reduction order (docs/spark.md, Threads)
        a.addAll(List.of("--output", sparkOut.toString(), "--spark", "local[2]", "--spark-threads",
                String.valueOf(ai.djl.pytorch.jni.JniUtils.getNumThreads())));
        Result s = run(a.toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        for (String f : List.of("per_image.csv", "summary.csv", "differences.csv")) {
            assertEquals(Files.readString(localOut.resolve(f)), Files.readString(sparkOut.resolve(f)), f);
        }
        assertSameFiles(files(localOut.resolve("outputs")), files(sparkOut.resolve("outputs")));
        assertFalse(Files.readString(localOut.resolve("per_image.csv")).isBlank());
    }

    /**
     * A two-trial sweep, each trial a Spark task (local[2]: both at once), against the same sweep run
     * locally one trial after the other: the same results table (times and folders aside), and a
     * second invocation with --resume finds everything finished.
     */
    @Test
    void aSweepOnSparkGivesTheLocalTableAndResumes() throws IOException {
        Path f = tmp.resolve("sweep.yaml");
        Files.writeString(f, "name: sparky\nbase: quick\ndata: " + prepared + "\ninclude_base: false\n"
                + "set: {loss.teacher_l1: 0, loss.teacher_ssim: 0, loss.teacher_vgg: 0, train.max_steps: 2, train.epochs: 1, "
                + "train.batch_size: 2, train.crop: 64, data.val_crop: 64, data.val_max_images: 1}\n"
                + "grid: {train.lr: [0.001, 0.0001]}\n");
        // two local workers: each trial gets cores / 2 PyTorch threads, as each local[2] task does (docs/spark.md, Threads)
        Result local = run("sweep", "--config", f.toString(), "--out", tmp.resolve("sweep-local").toString(), "--report-dir",
                tmp.resolve("sweep-local-report").toString(), "--workers", "2");
        assertEquals(0, local.code(), local.err());
        Result spark = run("sweep", "--config", f.toString(), "--out", tmp.resolve("sweep-spark").toString(), "--report-dir",
                tmp.resolve("sweep-spark-report").toString(), "--spark", "local[2]");
        assertEquals(0, spark.code(), spark.err());
        assertEquals(withoutTimesAndFolders(tmp.resolve("sweep-local-report").resolve("results.csv")),
                withoutTimesAndFolders(tmp.resolve("sweep-spark-report").resolve("results.csv")));
        String log = Files.readString(tmp.resolve("sweep-spark").resolve("trials").resolve("t000").resolve("sweep-trial.log"));
        assertTrue(log.contains("executor driver"), "the trial ran as a Spark task: " + log.lines().findFirst().orElse(""));

        Result again = run("sweep", "--config", f.toString(), "--out", tmp.resolve("sweep-spark").toString(), "--report-dir",
                tmp.resolve("sweep-spark-report").toString(), "--spark", "local[2]", "--resume");
        assertEquals(0, again.code(), again.err());
        for (String t : List.of("t000", "t001")) {
            String trialLog = Files.readString(tmp.resolve("sweep-spark").resolve("trials").resolve(t).resolve("sweep-trial.log"));
            assertEquals(1, trialLog.lines().filter(l -> l.startsWith("=== ")).count(), "a finished trial is not run again: " + trialLog);
        }
    }

    /** results.csv with the time and run-folder columns dropped (they differ by nature). */
    static List<String> withoutTimesAndFolders(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String[] cells = line.split(",", -1);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                if (!header.get(i).equals("time_s") && !header.get(i).equals("run_dir")) {
                    sb.append(cells[i]).append(',');
                }
            }
            out.add(sb.toString());
        }
        assertTrue(out.size() == 3, "two trials: " + lines);
        return out;
    }
}
