package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Json;

class SweepCommandTest {
    @TempDir
    Path tmp;

    Path sweepFile(String body) throws IOException {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("manifest.json"), "{}");
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, "name: cli\nbase: quick\ndata: " + data + "\n"
                + "set: {loss.teacher_l1: 0, loss.teacher_ssim: 0, loss.teacher_vgg: 0}\n" + body);
        return f;
    }

    KdRestoreTest.Result sweep(Path f, String... more) {
        String[] args = new String[4 + 4 + more.length];
        System.arraycopy(new String[] {"sweep", "--config", f.toString(), "--out", tmp.resolve("out").toString(), "--report-dir",
                tmp.resolve("rep").toString()}, 0, args, 0, 7);
        args[7] = "--json";
        System.arraycopy(more, 0, args, 8, more.length);
        return KdRestoreTest.run(args);
    }

    @Test
    void badSweepFilesExitWithTwoNamingTheProblemAndCreateNothing() throws IOException {
        String[][] cases = {
            {"grid: {train.lr_max: [1]}\n", "'train.lr_max'"},
            {"grid: {}\n", "'grid' is empty"},
            {"random: {seed: 1, trials: 0, space: {train.lr: [0.1]}}\n", "random.trials must be ≥ 1"},
            {"grid: {train.crop: [32, -8]}\n", "train.crop must be ≥ 0"},
            {"grid: {train.lr: [0.1]}\nset: {train.epochs: 0}\n", "train.epochs"},
        };
        for (String[] c : cases) {
            Path f = sweepFile(c[0]);
            KdRestoreTest.Result r = sweep(f);
            assertEquals(2, r.code, c[0] + r.err);
            assertTrue(r.err.contains(c[1]) && r.err.contains("s.yaml"), c[0] + " -> " + r.err);
            assertFalse(Files.exists(tmp.resolve("out")), "nothing is created before the sweep is valid");
            assertFalse(Files.exists(tmp.resolve("rep")));
        }
        assertEquals(2, sweep(tmp.resolve("missing.yaml")).code);
        assertEquals(2, sweep(sweepFile("grid: {train.lr: [0.1]}\n"), "--workers", "0").code);
    }

    /**
     * A trial with teacher terms and no teacher cache: the sweep resolves the file's teacher once,
     * fills the cache before any trial (one output per quadrant), and the trial trains on it.
     */
    @Test
    void theSweepsTeacherFillsTheCacheOnceBeforeTheTrials() throws Exception {
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(Path.of("data-sample", "Grey.jpg"), photos.resolve("Grey.jpg"));
        org.kdrestore.model.TinyTeacher.Files tiny = org.kdrestore.model.TinyTeacher.write(tmp);
        Path f = tmp.resolve("teacher.yaml");
        Files.writeString(f, "name: teach\nbase: quick\ndata: " + photos + "\nteacher: " + tiny.weights() + "\nteacher_config: "
                + tiny.config() + "\nset: {train.max_steps: 1, train.epochs: 1, train.batch_size: 2, train.crop: 64, "
                + "data.val_fraction: 0, data.val_crop: 64}\ngrid: {loss.teacher_l1: [0.5]}\ninclude_base: false\n");
        KdRestoreTest.Result r = sweep(f);
        assertEquals(0, r.code, r.err);
        Path cacheRoot = tmp.resolve("out").resolve("prepared").resolve("teacher-cache");
        try (java.util.stream.Stream<Path> s = Files.walk(cacheRoot)) {
            assertEquals(4, s.filter(p -> p.getFileName().toString().endsWith(".png")).count(), "one output per quadrant");
        }
        Path trial = tmp.resolve("out").resolve("trials").resolve("t000");
        assertTrue(Files.isRegularFile(trial.resolve("student.ckpt")), r.err);
        var run = Json.MAPPER.readTree(trial.resolve("run.json").toFile());
        assertEquals(org.kdrestore.common.Hashing.sha256(tiny.weights()), run.path("teacher_weights_sha256").asText());
        assertTrue(Files.readString(tmp.resolve("out").resolve("sweep.json")).contains(org.kdrestore.common.Hashing.sha256(tiny.weights())),
                "the teacher is part of the sweep's definition");
    }

    @Test
    void anUnknownTeacherOnTheCommandLineIsNamed() throws IOException {
        Path f = sweepFile("grid: {loss.teacher_l1: [0.5]}\n");
        Files.writeString(f, Files.readString(f).replace("loss.teacher_l1: 0, ", ""));
        KdRestoreTest.Result r = sweep(f, "--dry-run", "--teacher", "bestest");
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("bestest"), r.err);
    }

    @Test
    void dryRunListsTheTrialsAsJsonAndTrainsNothing() throws IOException {
        Path f = sweepFile("grid: {train.lr: [0.1, 0.2]}\n");
        KdRestoreTest.Result r = sweep(f, "--dry-run");
        assertEquals(0, r.code, r.err);
        var json = Json.MAPPER.readTree(r.out);
        assertEquals(3, json.path("trials").size(), "base (lr 1e-3) + 2 grid points");
        assertTrue(json.path("trials").get(0).path("base").asBoolean());
        assertEquals("0.2", json.path("trials").get(2).path("params").path("train.lr").asText());
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
