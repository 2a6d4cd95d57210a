package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.train.Adam;
import org.kdrestore.train.Checkpoint;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.TrainConfig;

/**
 * Bad input across the command line: each case exits with code 2 and one line, "error: …",
 * naming the file, key or value; no stack trace (unless --verbose, checked once); and every file
 * that existed before is unchanged afterwards (the output the command would have replaced is
 * still the old one).
 */
class BadInputTest {
    @TempDir
    static Path tmp;

    static Path goodCheckpoint;
    static Path prepared;

    /** One bad input: the arguments, what the error line must contain, and the files it must leave alone. */
    record Case(String name, List<String> args, List<String> mentions, List<Path> untouched) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void inputs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in"));
        Files.write(dir.resolve("empty.png"), new byte[0]);
        byte[] png = Files.readAllBytes(Path.of("src/test/resources/fixtures/launcher/small.png"));
        Files.write(dir.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        byte[] jpeg = Files.readAllBytes(Path.of("data-sample/Grey.jpg"));
        Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        Files.writeString(dir.resolve("notes.png"), "these are my notes, not a picture\n");
        Files.copy(Path.of("src/test/resources/fixtures/launcher/small.png"), dir.resolve("small.png"));
        Files.writeString(dir.resolve("unknown-key.yaml"), "train:\n  lr: 1.0e-3\n  learning_rate_max: 3\n");
        Files.writeString(dir.resolve("wrong-type.yaml"), "train:\n  batch_size: eight\n");
        Files.writeString(dir.resolve("arch-typo.json"), "{\"dim\": 16, \"num_blockz\": [1, 2, 2, 2]}\n");
        Files.write(dir.resolve("weights.bin"), new byte[] {1, 2, 3, 4});
        writeLyingSafetensors(dir.resolve("lying.safetensors"));

        goodCheckpoint = dir.resolve("good.ckpt");
        try (NDManager m = Engines.newManager()) {
            StudentConfig sc = new StudentConfig(8, 1, "nearest", false, false);
            StudentCnn net = StudentCnn.create(sc, m, 3);
            try (Adam adam = new Adam(net.namedParameters(), Adam.Settings.of(1e-3))) {
                Checkpoint.write(goodCheckpoint, net, adam, new Checkpoint.State(Checkpoint.FORMAT, 0, 1, false, 1, 1, 1e-3,
                        ConfigLoader.toTree(TrainConfig.seed()), sc, net.parameterCount(), "now"));
            }
        }
        rewriteModel(goodCheckpoint, dir.resolve("missing-key.ckpt"), (m, arrays) -> arrays.remove(arrays.keySet().iterator().next()));
        rewriteModel(goodCheckpoint, dir.resolve("wrong-shape.ckpt"), (m, arrays) -> {
            String first = arrays.keySet().iterator().next();
            arrays.put(first, m.zeros(new ai.djl.ndarray.types.Shape(2, 2)));
        });
        byte[] ckpt = Files.readAllBytes(goodCheckpoint);
        byte[] corrupt = ckpt.clone();
        for (int i = ckpt.length / 3; i < ckpt.length / 3 + 64; i++) {
            corrupt[i] ^= (byte) 0x5a;
        }
        Files.write(dir.resolve("corrupt.ckpt"), corrupt);

        // A prepared dataset of one photo, and one whose manifest is cut short.
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(Path.of("data-sample", "Grey.jpg"), photos.resolve("Grey.jpg"));
        prepared = tmp.resolve("prepared");
        assertEquals(0, KdRestoreTest.run("prepare", "--input", photos.toString(), "--output", prepared.toString()).code);
        Path broken = Files.createDirectories(tmp.resolve("broken-manifest"));
        String manifest = Files.readString(prepared.resolve("manifest.json"));
        Files.writeString(broken.resolve("manifest.json"), manifest.substring(0, manifest.length() / 2));

        // What a failing command must not touch: an earlier output in each place it writes.
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(Files.createDirectories(out.resolve("quadrants")).resolve("tl.png"), "earlier output");
        Files.writeString(out.resolve("restored.png"), "earlier output");
        Files.writeString(Files.createDirectories(out.resolve("run")).resolve("run.json"), "{\"earlier\": true}");
        Files.writeString(Files.createDirectories(out.resolve("prepared")).resolve("manifest.json"), "{\"earlier\": true}");
        Files.writeString(Files.createDirectories(out.resolve("eval")).resolve("summary.csv"), "earlier output");
    }

    interface ModelEdit {
        void apply(NDManager m, Map<String, NDArray> arrays);
    }

    /** The checkpoint with its model.npz edited (a key dropped, a shape changed); everything else as it was. */
    static void rewriteModel(Path from, Path to, ModelEdit edit) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(from); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        }
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (NDArray a : NDList.decode(m, entries.get("model.npz"))) {
                arrays.put(a.getName(), a);
            }
            edit.apply(m, arrays);
            NDList list = new NDList();
            arrays.forEach((k, v) -> {
                v.setName(k);
                list.add(v);
            });
            entries.put("model.npz", list.encode(NDList.Encoding.NPZ));
        }
        try (OutputStream out = Files.newOutputStream(to); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /** A safetensors file whose header says its one tensor lies past the end of the file. */
    static void writeLyingSafetensors(Path file) throws IOException {
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,64000]}}".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long n = header.length;
        for (int i = 0; i < 8; i++) {
            b.write((int) (n >>> (8 * i)) & 0xff);
        }
        b.write(header);
        b.write(new byte[64]);
        Files.write(file, b.toByteArray());
    }

    static Stream<Case> cases() {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Path quadrants = out.resolve("quadrants");
        Path restored = out.resolve("restored.png");
        Path converted = out.resolve("new.safetensors"); // weights convert never replaces a file: it must stay absent
        Path run = out.resolve("run");
        String teacher = "models/restormer-s/restormer-s.safetensors";
        List<Case> c = new ArrayList<>();
        c.add(new Case("0-byte image", List.of("degrade", "--input", in.resolve("empty.png").toString(), "--output-dir",
                quadrants.toString()), List.of("empty.png", "empty"), List.of(quadrants)));
        c.add(new Case("truncated PNG", List.of("degrade", "--input", in.resolve("truncated.png").toString(), "--output-dir",
                quadrants.toString()), List.of("truncated.png", "truncated"), List.of(quadrants)));
        c.add(new Case("truncated JPEG", List.of("degrade", "--input", in.resolve("truncated.jpg").toString(), "--output-dir",
                quadrants.toString()), List.of("truncated.jpg", "truncated"), List.of(quadrants)));
        c.add(new Case("a text file named .png", List.of("degrade", "--input", in.resolve("notes.png").toString(), "--output-dir",
                quadrants.toString()), List.of("notes.png", "not an image"), List.of(quadrants)));
        c.add(new Case("a photo smaller than the frame", List.of("degrade", "--input", in.resolve("small.png").toString(),
                "--output-dir", quadrants.toString()), List.of("small.png", "smaller than"), List.of(quadrants)));
        c.add(new Case("a missing photo folder", List.of("prepare", "--input", in.resolve("no-such-folder").toString(), "--output",
                out.resolve("prepared").toString()), List.of("no-such-folder"), List.of(out.resolve("prepared"))));
        c.add(new Case("a crop larger than the image", List.of("distill", "--config", "quick", "--data", prepared.toString(),
                "--run-dir", out.resolve("new-run").toString(), "--set", "train.crop=1024", "--set", "loss.teacher_l1=0", "--set",
                "loss.teacher_ssim=0", "--set", "loss.teacher_vgg=0"), List.of("train.crop", "1024"),
                List.of(out.resolve("new-run"), prepared)));
        c.add(new Case("a checkpoint with a missing key", List.of("student", "forward", "--checkpoint",
                in.resolve("missing-key.ckpt").toString(), "--input", in.resolve("small.png").toString(), "--output", restored.toString()),
                List.of("missing-key.ckpt", "missing"), List.of(restored)));
        c.add(new Case("a checkpoint with a wrong shape", List.of("student", "forward", "--checkpoint",
                in.resolve("wrong-shape.ckpt").toString(), "--input", in.resolve("small.png").toString(), "--output", restored.toString()),
                List.of("wrong-shape.ckpt", "shape"), List.of(restored)));
        c.add(new Case("a corrupted checkpoint zip", List.of("student", "forward", "--checkpoint",
                in.resolve("corrupt.ckpt").toString(), "--input", in.resolve("small.png").toString(), "--output", restored.toString()),
                List.of("corrupt.ckpt"), List.of(restored)));
        c.add(new Case("a config with an unknown key", List.of("distill", "--config", in.resolve("unknown-key.yaml").toString(),
                "--data", prepared.toString(), "--run-dir", run.toString()), List.of("unknown-key.yaml", "learning_rate_max"),
                List.of(run)));
        c.add(new Case("a config value of the wrong type", List.of("distill", "--config", in.resolve("wrong-type.yaml").toString(),
                "--data", prepared.toString(), "--run-dir", run.toString()), List.of("batch_size", "eight"), List.of(run)));
        c.add(new Case("an override of the wrong type", List.of("distill", "--config", "quick", "--set", "train.lr=fast",
                "--data", prepared.toString(), "--run-dir", run.toString()), List.of("train.lr", "fast"), List.of(run)));
        c.add(new Case("an unknown precision", List.of("distill", "--config", "quick", "--set", "train.precision=fp16",
                "--data", prepared.toString(), "--run-dir", run.toString()), List.of("train.precision", "fp16"), List.of(run)));
        c.add(new Case("a reproduction preset that does not exist", List.of("reproduce", "--preset", "gpu", "--run-dir",
                out.resolve("repro").toString()), List.of("gpu", "cpu or seed"), List.of()));
        c.add(new Case("a malicious pickle", List.of("weights", "convert", "--input",
                "src/test/resources/fixtures/weights/malicious_system.pth", "--output", converted.toString()),
                List.of("malicious_system.pth", "posix.system"), List.of(converted)));
        c.add(new Case("a safetensors header that lies about its offsets", List.of("weights", "convert", "--input",
                in.resolve("lying.safetensors").toString(), "--output", converted.toString()), List.of("lying.safetensors"),
                List.of(converted)));
        c.add(new Case("a weights file of unknown format", List.of("weights", "convert", "--input",
                in.resolve("weights.bin").toString(), "--output", converted.toString()), List.of("weights.bin"), List.of(converted)));
        c.add(new Case("a teacher arch config with a misspelt key", List.of("teacher", "forward", "--weights", teacher,
                "--arch-config", in.resolve("arch-typo.json").toString(), "--input", in.resolve("small.png").toString(), "--output",
                restored.toString()), List.of("arch-typo.json", "num_blockz"), List.of(restored)));
        c.add(new Case("a dataset whose manifest is cut short", List.of("evaluate", "--data", tmp.resolve("broken-manifest").toString(),
                "--teacher-cache", tmp.resolve("no-cache").toString(), "--output", out.resolve("eval").toString(), "--latency-runs", "0"),
                List.of("manifest.json"), List.of(out.resolve("eval"))));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsOneLineWithExitCodeTwoAndChangesNothing(Case c) throws IOException {
        Map<String, String> before = snapshot(c.untouched());
        KdRestoreTest.Result r = KdRestoreTest.run(c.args().toArray(String[]::new));
        assertEquals(2, r.code, c.name() + ": " + r.err);
        List<String> lines = r.err.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), c.name() + ": one error line, got\n" + r.err);
        assertTrue(lines.get(0).startsWith("error: "), lines.get(0));
        for (String m : c.mentions()) {
            assertTrue(lines.get(0).contains(m), c.name() + ": the error names '" + m + "': " + lines.get(0));
        }
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), c.name() + ": no stack trace: " + r.err);
        assertEquals(before, snapshot(c.untouched()), c.name() + ": files that existed before are unchanged, nothing new");
    }

    /** --verbose adds the stack trace to the same error. */
    @org.junit.jupiter.api.Test
    void verboseAddsTheStackTrace() {
        KdRestoreTest.Result r = KdRestoreTest.run("degrade", "--verbose", "--input", tmp.resolve("in/empty.png").toString(),
                "--output-dir", tmp.resolve("out/quadrants").toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.startsWith("error: ") && r.err.contains("\tat "), r.err);
    }

    /** Every file under the given paths (files or folders) with its sha256; a missing path maps to "absent". */
    static Map<String, String> snapshot(List<Path> paths) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                m.put(p.toString(), "absent");
                continue;
            }
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    m.put(f.toString(), Hashing.sha256(f));
                }
            }
        }
        return m;
    }
}
