package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.weights.Weights;

/**
 * SIGKILL at 20 seeded random moments across the five long-running commands (prepare, teacher
 * cache, distill, teacher train, sweep; tiny settings), each followed by a rerun (with --resume
 * where the command has one) until one finishes. After every kill no file is half-written (every
 * JSON parses, every PNG decodes, every checkpoint zip and safetensors file reads whole; temporary
 * files of atomic writes are hidden ".name.*.tmp*" files and ignored), and at the end the outputs
 * equal those of an uninterrupted run: the same bytes for data, cache outputs and weights.
 */
class KillAnywhereTest {
    @TempDir
    static Path tmp;

    static TwoPhotoInputs in;

    /** A command under test: its arguments for an output folder, and whether a rerun needs --resume. */
    record Command(String name, Function<Path, List<String>> args, Function<Path, Boolean> needsResume, int kills) {}

    @BeforeAll
    static void setUp() throws Exception {
        in = TwoPhotoInputs.create(tmp);
    }

    static final List<String> TRAIN = List.of("--set", "train.crop=64", "--set", "train.batch_size=2", "--set",
            "train.checkpoint_every=1", "--set", "data.val_crop=64", "--set", "data.val_max_images=1");

    static List<Command> commands() {
        List<Command> c = new ArrayList<>();
        c.add(new Command("prepare", out -> List.of("prepare", "--input", in.photos().toString(), "--output", out.resolve("data").toString()),
                out -> false, 3));
        c.add(new Command("teacher cache", out -> List.of("teacher", "cache", "--data", in.prepared().toString(), "--weights",
                in.teacher().weights().toString(), "--arch-config", in.teacher().config().toString(), "--cache", out.resolve("cache").toString()),
                out -> false, 4));
        c.add(new Command("distill", out -> concat(List.of("distill", "--config", "quick", "--data", in.prepared().toString(), "--run-dir",
                out.resolve("run").toString(), "--set", "train.max_steps=8", "--set", "train.epochs=2", "--set", "loss.teacher_l1=0",
                "--set", "loss.teacher_ssim=0", "--set", "loss.teacher_vgg=0"), TRAIN),
                out -> Files.exists(out.resolve("run").resolve("run.json")), 5));
        c.add(new Command("teacher train", out -> concat(List.of("teacher", "train", "--data", in.prepared().toString(), "--run-dir",
                out.resolve("run").toString(), "--set", "model.dim=4", "--set", "model.num_blocks=1,1,1,1", "--set",
                "train.max_steps=6", "--set", "train.epochs=2"), TRAIN),
                out -> Files.exists(out.resolve("run").resolve("run.json")), 5));
        c.add(new Command("sweep", out -> List.of("sweep", "--config", sweepFile(out).toString(), "--out", out.resolve("sweep").toString(),
                "--report-dir", out.resolve("report").toString()),
                out -> Files.exists(out.resolve("sweep").resolve("sweep.json")), 3));
        return c;
    }

    static Path sweepFile(Path out) {
        Path f = out.resolve("sweep.yaml");
        try {
            Files.createDirectories(out);
            Files.writeString(f, "name: kill\nbase: quick\ndata: " + in.prepared() + "\nset: {train.max_steps: 3, train.epochs: 1, "
                    + "train.crop: 64, train.batch_size: 2, train.checkpoint_every: 1, data.val_crop: 64, data.val_max_images: 1, "
                    + "loss.teacher_l1: 0, loss.teacher_ssim: 0, loss.teacher_vgg: 0}\ngrid: {train.lr: [1.0e-3, 3.0e-3]}\n"
                    + "include_base: false\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return f;
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static Process start(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), KdRestore.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KD_RESTORE_DEVICE", "cpu");
        return pb.start();
    }

    /** Runs to the end; the output when it fails. */
    static double finish(List<String> args) throws Exception {
        long t0 = System.nanoTime();
        Process p = start(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "did not finish: " + args);
        assertEquals(0, p.exitValue(), args + "\n" + out);
        return (System.nanoTime() - t0) / 1e9;
    }

    @Test
    void killedAtTwentyRandomMomentsAndRerunEveryCommandEndsAsIfUninterrupted() throws Exception {
        Random random = new Random(20261203L);
        List<String> report = new ArrayList<>();
        int kills = 0;
        for (Command c : commands()) {
            Path whole = Files.createDirectories(tmp.resolve(c.name().replace(' ', '-') + "-whole"));
            double seconds = finish(c.args().apply(whole));
            Path cut = Files.createDirectories(tmp.resolve(c.name().replace(' ', '-') + "-cut"));
            int killed = 0;
            for (int attempt = 1; killed < c.kills(); attempt++) {
                assertTrue(attempt <= 4 * c.kills(), c.name() + ": too many attempts ended before their kill: " + report);
                List<String> args = new ArrayList<>(c.args().apply(cut));
                if (c.needsResume().apply(cut)) {
                    args.add("--resume");
                }
                // A moment within the time a whole uninterrupted run takes (start-up included).
                long delayMs = (long) (1000 * (0.1 + 0.8 * random.nextDouble()) * seconds);
                Process p = start(args);
                drain(p);
                boolean ended = p.waitFor(delayMs, TimeUnit.MILLISECONDS);
                if (ended) {
                    // The rerun finished before its moment: check it, then start this command's sequence over, so
                    // that every one of its kills lands in a run that is still working.
                    report.add(c.name() + ": finished before " + delayMs + " ms; starting over");
                    assertEquals(0, p.exitValue(), c.name() + " " + args);
                    assertNothingHalfWritten(cut);
                    assertSameOutputs(c.name(), whole, cut);
                    deleteTree(cut);
                    Files.createDirectories(cut);
                    continue;
                }
                p.destroyForcibly(); // SIGKILL
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                killed++;
                kills++;
                report.add(c.name() + ": killed at " + delayMs + " ms of ~" + Math.round(seconds * 1000));
                assertNothingHalfWritten(cut);
            }
            List<String> args = new ArrayList<>(c.args().apply(cut));
            if (c.needsResume().apply(cut)) {
                args.add("--resume");
            }
            finish(args);
            assertNothingHalfWritten(cut);
            assertSameOutputs(c.name(), whole, cut);
        }
        System.err.println("kill moments:\n  " + String.join("\n  ", report));
        assertEquals(20, kills, report.toString());
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void drain(Process p) {
        Thread t = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the process was killed
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Every file a reader would open is whole; temporary files of atomic writes and append-only logs excepted. */
    static void assertNothingHalfWritten(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root); NDManager m = Engines.newManager()) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (org.kdrestore.common.AtomicFiles.isTemporary(f) || name.equals(".lock")) {
                    continue; // a temporary file of an interrupted atomic write, never read; or a lock file
                }
                try (NDManager sub = m.newSubManager()) {
                    if (name.endsWith(".json")) {
                        Json.MAPPER.readTree(f.toFile());
                    } else if (name.endsWith(".png")) {
                        ImageTensors.read(sub, f);
                    } else if (name.endsWith(".ckpt")) {
                        readZip(f);
                    } else if (name.endsWith(".safetensors")) {
                        Weights.read(f, sub);
                    }
                } catch (Exception e) {
                    throw new AssertionError("half-written after a kill: " + f + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static void readZip(Path f) throws IOException {
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(f))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                zip.readAllBytes();
                entries++;
            }
        }
        assertTrue(entries >= 3, f + " has " + entries + " entries");
    }

    /** The outputs that the command promises are the same after kills as without. */
    static void assertSameOutputs(String name, Path whole, Path cut) throws IOException {
        switch (name) {
            case "prepare" -> assertEquals(files(whole.resolve("data"), n -> true), files(cut.resolve("data"), n -> true), name);
            case "teacher cache" -> {
                assertEquals(files(whole.resolve("cache"), n -> n.endsWith(".png")), files(cut.resolve("cache"), n -> n.endsWith(".png")));
                assertEquals(indexEntries(whole.resolve("cache")), indexEntries(cut.resolve("cache")));
            }
            case "distill" -> assertEquals(tensors(whole.resolve("run/student.safetensors")), tensors(cut.resolve("run/student.safetensors")));
            case "teacher train" -> assertEquals(tensors(whole.resolve("run/restormer.safetensors")),
                    tensors(cut.resolve("run/restormer.safetensors")));
            case "sweep" -> {
                for (String trial : List.of("t000", "t001")) {
                    Path w = whole.resolve("sweep/trials").resolve(trial).resolve("student.safetensors");
                    assertEquals(tensors(w), tensors(cut.resolve("sweep/trials").resolve(trial).resolve("student.safetensors")), trial);
                }
            }
            default -> throw new IllegalArgumentException(name);
        }
    }

    /** Relative path → sha256 of every file under {@code root} whose name passes {@code keep} (lock and temporary files left out). */
    static Map<String, String> files(Path root, java.util.function.Predicate<String> keep) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String n = f.getFileName().toString();
                if (!n.startsWith(".") && keep.test(n)) {
                    m.put(root.relativize(f).toString(), Hashing.sha256(f));
                }
            }
        }
        return m;
    }

    private static JsonNode indexEntries(Path cacheRoot) throws IOException {
        try (Stream<Path> s = Files.walk(cacheRoot)) {
            Path index = s.filter(p -> p.getFileName().toString().equals("index.json")).findFirst().orElseThrow();
            return Json.MAPPER.readTree(index.toFile()).path("entries");
        }
    }

    /** Tensor name → its values as text, bit for bit (float bits). */
    static Map<String, String> tensors(Path file) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (NDManager nd = Engines.newManager()) {
            for (Map.Entry<String, NDArray> e : Weights.read(file, nd).tensors().entrySet()) {
                float[] v = e.getValue().toFloatArray();
                int[] bits = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    bits[i] = Float.floatToRawIntBits(v[i]);
                }
                m.put(e.getKey(), e.getValue().getShape() + " " + Arrays.hashCode(bits) + " " + bits.length);
            }
        }
        return m;
    }
}
