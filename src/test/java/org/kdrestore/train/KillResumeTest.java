package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;

/**
 * A training process is killed (SIGKILL) in the middle of an epoch, after its checkpoint at
 * step 6 and one more step; a new process resumes the run. Its final weights must equal, bit
 * for bit, those of a run that was never interrupted (on the CPU).
 */
class KillResumeTest {
    @TempDir
    Path tmp;

    static List<String> javaCommand(String... extra) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Dai.djl.offline=true");
        cmd.addAll(List.of(extra));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TrainerChild.class.getName());
        return cmd;
    }

    static Process start(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KD_RESTORE_DEVICE", "cpu");
        return pb.start();
    }

    static String finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void killedMidEpochAndResumedEndsWithTheSameWeightsAsAnUninterruptedRun() throws Exception {
        Path whole = tmp.resolve("whole");
        Path cut = tmp.resolve("cut");
        List<String> uninterrupted = javaCommand();
        uninterrupted.addAll(List.of(whole.toString()));
        finish(start(uninterrupted));

        List<String> hanging = javaCommand("-D" + Trainer.HANG_AFTER_STEP + "=7");
        hanging.add(cut.toString());
        Process p = start(hanging);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean hung = false;
            while ((line = r.readLine()) != null) {
                if (line.contains("debug: hanging")) {
                    hung = true;
                    break;
                }
            }
            assertTrue(hung, "the child ended before step 7");
            p.destroyForcibly();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
        try (NDManager m = Engines.newManager()) {
            Checkpoint.State s = Checkpoint.read(Trainer.lastCheckpoint(cut), m).state();
            // the kill came mid-epoch: last checkpoint at step 6 = epoch 2 (0-based 1), batch 2 of 4
            assertEquals(6, s.globalStep());
            assertEquals(1, s.epoch());
            assertEquals(2, s.batch());
            assertFalse(s.epochDone());
        }
        assertFalse(Files.exists(cut.resolve("student.ckpt")));
        assertTrue(Files.readAllLines(cut.resolve("metrics.csv")).stream().anyMatch(l -> l.startsWith("step,2,7,")),
                "step 7 was logged before the kill");

        List<String> resume = javaCommand();
        resume.addAll(List.of(cut.toString(), "--resume"));
        finish(start(resume));

        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> a = Checkpoint.read(whole.resolve("student.ckpt"), m).model();
            Map<String, NDArray> b = Checkpoint.read(cut.resolve("student.ckpt"), m).model();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
            }
            Map<String, NDArray> oa = Checkpoint.read(whole.resolve("student.ckpt"), m).optimizer();
            Map<String, NDArray> ob = Checkpoint.read(cut.resolve("student.ckpt"), m).optimizer();
            for (String k : oa.keySet()) {
                assertArrayEquals(oa.get(k).toFloatArray(), ob.get(k).toFloatArray(), 0f, k);
            }
        }
        int loss = MetricsLog.COLUMNS.indexOf("loss");
        List<String> ra = Files.readAllLines(whole.resolve("metrics.csv"));
        List<String> rb = Files.readAllLines(cut.resolve("metrics.csv"));
        assertEquals(ra.size(), rb.size());
        for (int i = 1; i < ra.size(); i++) {
            assertEquals(ra.get(i).split(",", -1)[loss], rb.get(i).split(",", -1)[loss], "metrics row " + i);
        }
    }
}
