package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Json;
import org.kdrestore.model.TinyTeacher;

/** distill resolves its teacher like demo (--teacher) and fills a missing teacher cache before training. */
class DistillTeacherTest {
    @TempDir
    static Path tmp;

    static Path prepared;
    static Path weights;
    static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        Path photos = tmp.resolve("photos");
        Files.createDirectories(photos);
        Files.copy(Path.of("data-sample", "Grey.jpg"), photos.resolve("Grey.jpg"));
        prepared = tmp.resolve("prepared");
        KdRestoreTest.Result r = KdRestoreTest.run("prepare", "--input", photos.toString(), "--output", prepared.toString());
        assertEquals(0, r.code, r.err);
        TinyTeacher.Files tiny = TinyTeacher.write(tmp);
        weights = tiny.weights();
        config = tiny.config();
    }

    private static KdRestoreTest.Result distill(Path run, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("distill", "--config", "quick", "--data", prepared.toString(),
                "--run-dir", run.toString(), "--set", "train.max_steps=2", "--set", "train.crop=64", "--json"));
        args.addAll(List.of(more));
        return KdRestoreTest.run(args.toArray(String[]::new));
    }

    @Test
    void withoutACacheTheTeacherFillsItThenTrains() throws Exception {
        Path run = tmp.resolve("run");
        KdRestoreTest.Result r = distill(run, "--teacher", weights.toString(), "--teacher-config", config.toString());
        assertEquals(0, r.code, r.err);
        Path cacheRoot = prepared.resolve("teacher-cache");
        try (Stream<Path> s = Files.walk(cacheRoot)) {
            assertEquals(4, s.filter(p -> p.getFileName().toString().endsWith(".png")).count(), "one output per quadrant");
        }
        JsonNode teacher = Json.MAPPER.readTree(run.resolve("teacher.json").toFile());
        assertEquals(org.kdrestore.common.Hashing.sha256(weights), teacher.get("weights_sha256").asText());
        assertTrue(Files.isRegularFile(run.resolve("student.ckpt")));
    }

    @Test
    void withFillingOffAMissingCacheIsAClearError() {
        Path run = tmp.resolve("nofill");
        KdRestoreTest.Result r = distill(run, "--no-teacher-fill", "--teacher-cache", tmp.resolve("empty-cache").toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("no teacher cache") && r.err.contains("--no-teacher-fill"), r.err);
        assertFalse(Files.exists(run.resolve("student.ckpt")));
    }

    /** A second process training into a run folder that another one holds stops at once, naming the holder, and writes nothing. */
    @Test
    void aRunFolderInUseIsRefusedNamingTheHolder() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("busy"));
        try (org.kdrestore.common.ProcessLock held = org.kdrestore.common.ProcessLock.acquire(run.resolve(".lock"), "run folder",
                java.time.Duration.ZERO, null)) {
            KdRestoreTest.Result r = distill(run, "--set", "loss.teacher_l1=0", "--set", "loss.teacher_ssim=0", "--set",
                    "loss.teacher_vgg=0");
            assertEquals(2, r.code, r.err);
            assertTrue(r.err.contains("run folder " + run + " is in use by another kd-restore process")
                    && r.err.contains("pid " + ProcessHandle.current().pid()), r.err);
        }
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(List.of(".lock"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no run.json, log or checkpoint");
        }
    }

    @Test
    void anUnknownTeacherChoiceNamesIt() {
        KdRestoreTest.Result r = distill(tmp.resolve("bad"), "--teacher", "bestest");
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("bestest") && r.err.contains("auto, official, compact"), r.err);
    }
}
