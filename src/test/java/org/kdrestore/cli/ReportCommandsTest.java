package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Json;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.TrainConfig;

/** evaluate / report / demo: bad input gives exit 2 and one message naming the problem. */
class ReportCommandsTest {
    @Test
    void evaluateARunFolderWithoutCheckpoints(@TempDir Path tmp) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Json.writeFile(run.resolve("run.json"), java.util.Map.of("config", ConfigLoader.toTree(TrainConfig.seed())));
        KdRestoreTest.Result r = KdRestoreTest.run("evaluate", "--run", run.toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("no student checkpoint") && r.err.contains(run.toString()), r.err);
    }

    @Test
    void evaluateAFolderThatIsNotARun(@TempDir Path tmp) {
        KdRestoreTest.Result r = KdRestoreTest.run("evaluate", "--run", tmp.toString(), "--data", tmp.toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("run.json") && r.err.contains(tmp.toString()), r.err);
    }

    @Test
    void reportBeforeEvaluate(@TempDir Path tmp) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("run.json"), "{}");
        KdRestoreTest.Result r = KdRestoreTest.run("report", "--run", run.toString(), "--output", tmp.resolve("rep").toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("evaluation.json") && r.err.contains("kd-restore evaluate"), r.err);
    }

    @Test
    void demoOnAnEmptyPhotoFolder(@TempDir Path tmp) throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("photos"));
        KdRestoreTest.Result r = KdRestoreTest.run("demo", "--photos", empty.toString(), "--work", tmp.resolve("w").toString(),
                "--report", tmp.resolve("r").toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("no photos in " + empty), r.err);
    }

    @Test
    void everyNewCommandHasHelp() {
        for (String c : new String[] {"evaluate", "report", "demo"}) {
            KdRestoreTest.Result r = KdRestoreTest.run(c, "--help");
            assertEquals(0, r.code, c);
            assertTrue(r.out.contains("--json"), c);
        }
    }
}
