package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherTrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingDatasetIsRefusedNamingThePathAndNothingIsWritten() throws Exception {
        Path data = tmp.resolve("no-such-prepared");
        Path run = tmp.resolve("run");
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "train", "--data", data.toString(), "--preset", "restormer-s",
                "--run-dir", run.toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains(data.toString()), r.err);
        assertFalse(Files.exists(run));
    }

    @Test
    void anUnknownSetKeyIsRefusedNamingTheKey() throws Exception {
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "train", "--data", tmp.toString(), "--set", "model.width=3",
                "--run-dir", tmp.resolve("run").toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("model.width") && r.err.contains("model.dim"), r.err);
    }

    @Test
    void helpListsTheOptions() throws Exception {
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "train", "--help");
        assertEquals(0, r.code, r.err);
        for (String o : new String[] {"--data", "--preset", "--set", "--run-dir", "--resume", "--json"}) {
            assertTrue(r.out.contains(o), o + " in " + r.out);
        }
    }
}
