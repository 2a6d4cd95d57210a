package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillCommandTest {
    @TempDir
    Path tmp;

    @Test
    void unknownConfigKeyExitsWithTwoNamingTheKey() {
        KdRestoreTest.Result r = KdRestoreTest.run("distill", "--config", "quick", "--set", "train.lrr=1",
                "--data", tmp.toString(), "--run-dir", tmp.resolve("run").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("'train.lrr'"), r.err);
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void wrongTypeExitsWithTwoNamingKeyAndValue() {
        KdRestoreTest.Result r = KdRestoreTest.run("distill", "--config", "seed", "--set", "train.batch_size=big",
                "--data", tmp.toString(), "--run-dir", tmp.resolve("run").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("train.batch_size") && r.err.contains("big"), r.err);
    }

    @Test
    void missingDatasetExitsWithTwoNamingThePath() {
        Path missing = tmp.resolve("no-such-data");
        KdRestoreTest.Result r = KdRestoreTest.run("distill", "--config", "quick", "--data", missing.toString(),
                "--run-dir", tmp.resolve("run").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains(missing.toString()), r.err);
    }

    @Test
    void printConfigShowsTheResolvedPresetWithOverrides() {
        KdRestoreTest.Result r = KdRestoreTest.run("distill", "--config", "quick", "--set", "student.preset=seed-fixed",
                "--run-dir", tmp.resolve("run").toString(), "--print-config");
        assertEquals(0, r.code, r.err);
    }
}
