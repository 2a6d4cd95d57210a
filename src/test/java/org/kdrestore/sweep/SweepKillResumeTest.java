package org.kdrestore.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.Images;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.train.Trainer;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * The acceptance test: a 2x2 grid with a tiny config runs as 'kd-restore sweep' in a
 * child JVM, which is SIGKILLed while its third trial is mid-training (after a checkpoint); the
 * orphaned trial process stops by itself; 'sweep --resume' skips the two finished trials,
 * resumes the third from its checkpoint and runs the fourth; the table's numbers equal each
 * trial's own metrics.csv.
 */
class SweepKillResumeTest {
    @TempDir
    Path tmp;

    /** Three 1920x1080 photos (the data fixture card, flipped three ways) prepared into a dataset. */
    Path preparedData() throws IOException {
        Mat card = Images.readBgr8(Path.of("src/test/resources/fixtures/data/synthetic.png"));
        Mat big = new Mat();
        Imgproc.resize(card, big, new Size(1920, 1080), 0, 0, Imgproc.INTER_LINEAR);
        Path photos = tmp.resolve("photos");
        for (int flip : new int[] {0, 1, -1}) {
            Mat m = new Mat();
            Core.flip(big, m, flip);
            Images.write(photos.resolve("p" + (flip + 1) + ".png"), m);
        }
        Path data = tmp.resolve("data");
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(photos, data, false, true);
        return data;
    }

    Path sweepFile(Path data) throws IOException {
        // 3 photos: 2 train (8 quadrants, one 32 px crop each, batch 4: 2 steps/epoch), 1 validation; 2 epochs = 4 steps.
        // quick has lr 1e-3 and gt_ssim 1.0, so t000 is the base and the grid is the whole sweep.
        Path f = tmp.resolve("tiny.yaml");
        Files.writeString(f, String.join("\n",
                "name: tiny",
                "base: quick",
                "data: " + data,
                "set:",
                "  student.preset: seed-fixed",
                "  student.width: 8",
                "  train.epochs: 2",
                "  train.batch_size: 4",
                "  train.crop: 32",
                "  train.crops_per_image: 1",
                "  train.checkpoint_every: 1",
                "  train.max_steps: 0",
                "  train.prefetch: 1",
                "  train.loader_threads: 1",
                "  data.val_crop: 32",
                "  data.val_max_images: 2",
                "  loss.gt_vgg: 0",
                "  loss.teacher_l1: 0",
                "  loss.teacher_ssim: 0",
                "  loss.teacher_vgg: 0",
                "grid:",
                "  train.lr: [1.0e-3, 3.0e-3]",
                "  loss.gt_ssim: [1.0, 0.5]",
                "metric: val_ssim",
                ""));
        return f;
    }

    List<String> sweepCommand(Path file, List<String> jvm, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-Dai.djl.offline=true");
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.kdrestore.cli.KdRestore", "sweep", "--config",
                file.toString(), "--out", tmp.resolve("sweep").toString(), "--report-dir", tmp.resolve("report").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Process start(List<String> cmd, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("KD_RESTORE_DEVICE", "cpu");
        return pb.start();
    }

    @Test
    void aSweepKilledInItsThirdTrialResumesToFourCompleteTrialsWhoseTableMatchesTheirMetrics() throws Exception {
        Path file = sweepFile(preparedData());
        Path sweep = tmp.resolve("sweep");
        Path third = sweep.resolve("trials/t002");

        Process p = start(sweepCommand(file, List.of("-D" + SweepRunner.HANG_TRIAL + "=t002:3")), tmp.resolve("first.log"));
        awaitHang(p, third, tmp.resolve("first.log"));
        List<ProcessHandle> trialProcs = p.descendants().toList();
        assertFalse(trialProcs.isEmpty(), "the trial runs in its own JVM");
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs in the sweep
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertGone(trialProcs); // the orphaned trial sees its stdin close and stops by itself

        Map<String, String> status = statuses(sweep);
        assertEquals("finished", status.get("t000"));
        assertEquals("finished", status.get("t001"));
        assertEquals("running", status.get("t002"));
        assertEquals("pending", status.get("t003"));
        assertTrue(Files.exists(Trainer.lastCheckpoint(third)));
        assertFalse(Files.exists(third.resolve("student.ckpt")));

        Process r = start(sweepCommand(file, List.of(), "--resume"), tmp.resolve("second.log"));
        assertTrue(r.waitFor(400, TimeUnit.SECONDS), "the resumed sweep did not finish");
        assertEquals(0, r.exitValue(), Files.readString(tmp.resolve("second.log")));

        status = statuses(sweep);
        assertEquals(Map.of("t000", "finished", "t001", "finished", "t002", "finished", "t003", "finished"), status);
        com.fasterxml.jackson.databind.JsonNode state = org.kdrestore.common.Json.MAPPER.readTree(sweep.resolve("sweep.json").toFile());
        Map<String, Integer> attempts = new HashMap<>();
        state.path("trials").forEach(t -> attempts.put(t.path("id").asText(), t.path("attempts").asInt()));
        assertEquals(Map.of("t000", 1, "t001", 1, "t002", 2, "t003", 1), attempts, "finished trials are not run again");
        String thirdLog = Files.readString(third.resolve(SweepRunner.TRIAL_LOG));
        assertTrue(thirdLog.contains("--resume") && thirdLog.contains("the sweep process is gone"), thirdLog);
        String trainLog = Files.readString(third.resolve("train.log"));
        assertTrue(trainLog.contains("resumed from") && trainLog.contains("step 3"), trainLog);

        // the resumed trial's metrics read as one uninterrupted run: steps 1..4 once each
        List<String> steps = Files.readAllLines(third.resolve("metrics.csv")).stream().filter(l -> l.startsWith("step,"))
                .map(l -> l.split(",")[2]).toList();
        assertEquals(List.of("1", "2", "3", "4"), steps);

        // results.csv: one row per trial, each number equal to the last epoch row of that trial's metrics.csv
        List<String> table = Files.readAllLines(tmp.resolve("report/results.csv"));
        assertEquals(5, table.size(), String.join("\n", table));
        List<String> head = List.of(table.get(0).split(","));
        for (String line : table.subList(1, table.size())) {
            String[] v = line.split(",", -1);
            String id = v[head.indexOf("trial")].replace(" (base)", "");
            TrialMetrics m = TrialMetrics.read(sweep.resolve("trials").resolve(id));
            assertEquals(2, m.epochCount(), id);
            Map<String, String> last = m.last();
            for (String col : List.of("loss", "gt_l1", "gt_ssim", "val_ssim", "val_psnr")) {
                assertEquals(Double.parseDouble(last.get(col)), Double.parseDouble(v[head.indexOf(col)]), 0.0, id + " " + col);
            }
            assertEquals(Double.parseDouble(last.get("global_step")), Double.parseDouble(v[head.indexOf("steps")]), 0.0, id);
            assertEquals(2, Integer.parseInt(v[head.indexOf("epochs")]), id);
        }
        // sorted by validation SSIM, best first
        int col = head.indexOf("val_ssim");
        for (int i = 2; i < table.size(); i++) {
            assertTrue(Double.parseDouble(table.get(i - 1).split(",")[col]) >= Double.parseDouble(table.get(i).split(",")[col]));
        }
        String md = Files.readString(tmp.resolve("report/results.md"));
        assertTrue(md.contains("Best configuration: "), md);
        assertTrue(Files.exists(tmp.resolve("report/index.html")));
        assertTrue(Files.exists(tmp.resolve("report/val_ssim-vs-train.lr.png")));
    }

    static boolean logSays(Path log, String text) throws IOException {
        return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text);
    }

    /**
     * Stopped politely (SIGTERM, Ctrl-C): the shutdown hook stops the running trial's process, and
     * the trial stays "running" in the state, not "failed", so --resume resumes it (as after SIGKILL above).
     * (Whether the trial's thread would record the stop before the JVM halts is a race; the runner's
     * "stopping" flag keeps it from recording it at all, which this test cannot force.)
     */
    @Test
    void aSweepStoppedBySigtermLeavesItsTrialRunningAndNoProcessBehind() throws Exception {
        Path file = sweepFile(preparedData());
        Path sweep = tmp.resolve("sweep-term");
        Path first = sweep.resolve("trials/t000");
        List<String> cmd = new java.util.ArrayList<>(sweepCommand(file, List.of("-D" + SweepRunner.HANG_TRIAL + "=t000:2")));
        cmd.set(cmd.indexOf(tmp.resolve("sweep").toString()), sweep.toString());
        Process p = start(cmd, tmp.resolve("term.log"));
        awaitHang(p, first, tmp.resolve("term.log"));
        List<ProcessHandle> trialProcs = p.descendants().toList();
        p.destroy(); // SIGTERM: the sweep's shutdown hook runs
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        assertGone(trialProcs);
        assertEquals("running", statuses(sweep).get("t000"), Files.readString(tmp.resolve("term.log")));
    }

    /** Waits until the trial in {@code trial} hangs at the test hook (the sweep still running). */
    static void awaitHang(Process sweep, Path trial, Path sweepLog) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(400);
        while (!logSays(trial.resolve(SweepRunner.TRIAL_LOG), "debug: hanging")) {
            assertTrue(sweep.isAlive(), "the sweep ended before " + trial.getFileName() + " hung:\n" + Files.readString(sweepLog));
            assertTrue(System.nanoTime() < deadline, trial.getFileName() + " did not reach the hanging step in time");
            Thread.sleep(200);
        }
    }

    /** Every one of the trial processes ends within a minute of the sweep's end. */
    static void assertGone(List<ProcessHandle> trialProcs) throws Exception {
        for (ProcessHandle h : trialProcs) {
            boolean gone = h.onExit().completeOnTimeout(null, 60, TimeUnit.SECONDS).get() != null || !h.isAlive();
            if (!gone) {
                h.destroyForcibly();
            }
            assertTrue(gone, "trial process " + h.pid() + " outlived the sweep");
        }
    }

    static Map<String, String> statuses(Path sweep) throws IOException {
        Map<String, String> out = new HashMap<>();
        org.kdrestore.common.Json.MAPPER.readTree(sweep.resolve("sweep.json").toFile()).path("trials")
                .forEach(t -> out.put(t.path("id").asText(), t.path("status").asText()));
        return out;
    }
}
