package org.kdrestore.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.UserInputException;

/** The runner's bookkeeping with {@link FakeTrial} as the trial process: fast, no training. */
class SweepRunnerTest {
    @TempDir
    Path tmp;

    SweepPlan plan(String body) throws IOException {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("manifest.json"), "{}");
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, "name: fake\nbase: quick\ndata: " + data + "\ninclude_base: false\n"
                + "set: {loss.teacher_l1: 0, loss.teacher_ssim: 0, loss.teacher_vgg: 0}\n" + body);
        return SweepPlan.of(SweepSpec.read(f));
    }

    SweepRunner.Options options(boolean resume, int workers) {
        SweepRunner.Launcher fake = new SweepRunner.Launcher(SweepRunner.Launcher.current("x").java(),
                System.getProperty("java.class.path"), FakeTrial.class.getName(), List.of());
        return new SweepRunner.Options(tmp.resolve("sweep"), tmp.resolve("report"), resume, workers, false, true, fake);
    }

    static Map<String, SweepState.Status> statuses(SweepState s) {
        return s.trials().stream().collect(Collectors.toMap(t -> t.id, t -> t.status));
    }

    @Test
    void theMedianRuleStopsAHopelessTrialAndAFailedTrialIsRecordedWithItsError() throws IOException {
        // sequential: t000 (0.3) and t001 (0.2) run out; t002 (0.1) is below their median 0.25 after epoch 1
        SweepPlan p = plan("grid: {train.lr: [0.3, 0.2, 0.1, 0.05]}\nearly_stop: {rule: median, after_epochs: 1, min_trials: 2}\n");
        SweepRunner.Outcome o = SweepRunner.run(p, options(false, 1));
        Map<String, SweepState.Status> st = statuses(o.state());
        assertEquals(SweepState.Status.finished, st.get("t000"));
        assertEquals(SweepState.Status.finished, st.get("t001"));
        assertEquals(SweepState.Status.pruned, st.get("t002"));
        assertEquals(1, o.state().trial("t002").prunedAtEpoch);
        assertEquals(143, o.state().trial("t002").exitCode, "the stopped process's own code (SIGTERM)");
        assertEquals(SweepState.Status.failed, st.get("t003"));
        assertTrue(o.state().trial("t003").message.contains("loss became NaN"), o.state().trial("t003").message);
        assertEquals(2, o.state().trial("t003").exitCode);
        // ranking: finished by val_ssim, then the stopped one, then the failed one
        assertEquals(List.of("t000", "t001", "t002", "t003"), o.results().rows().stream().map(r -> r.entry().id).toList());
        assertEquals("t000", o.results().best().entry().id);
        assertEquals(0.9, o.results().best().value(), 1e-12);
        assertTrue(Files.exists(tmp.resolve("report/results.csv")));
        assertTrue(Files.exists(tmp.resolve("report/index.html")));
        assertTrue(Files.exists(tmp.resolve("report/val_ssim-vs-train.lr.png")));
        assertTrue(Files.exists(tmp.resolve("report/val_ssim-curves.png")));
        assertTrue(Files.readString(tmp.resolve("report/results.md")).contains("Best configuration: t000 (train.lr=0.3)"));

        // resuming a sweep with nothing left runs nothing and keeps every status
        SweepRunner.Outcome again = SweepRunner.run(p, options(true, 1));
        assertEquals(st, statuses(again.state()));
        assertEquals(1, again.state().trial("t000").attempts);
    }

    @Test
    void twoWorkersRunEveryTrialEachWithHalfTheThreads() throws IOException {
        SweepPlan p = plan("random: {seed: 3, trials: 4, space: {train.lr: {uniform: [0.1, 0.9]}}}\n");
        SweepRunner.Outcome o = SweepRunner.run(p, options(false, 2));
        assertTrue(o.state().trials().stream().allMatch(t -> t.status == SweepState.Status.finished), statuses(o.state()).toString());
        int expected = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        for (SweepState.TrialEntry t : o.state().trials()) {
            String log = Files.readString(tmp.resolve("sweep").resolve(t.runDir).resolve(SweepRunner.TRIAL_LOG));
            assertTrue(log.contains("{\"threads\": \"" + expected + "\"}"), log);
        }
        assertNull(o.results().base());
        assertTrue(o.results().summary().contains("base config was not run"), o.results().summary());
    }

    @Test
    void aSecondStartWithoutResumeIsRefusedAndNothingIsLost() throws IOException {
        SweepPlan p = plan("grid: {train.lr: [0.3]}\n");
        SweepRunner.run(p, options(false, 1));
        String before = Files.readString(tmp.resolve("sweep/sweep.json"));
        String m = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class,
                () -> SweepRunner.run(p, options(false, 1))).getMessage();
        assertTrue(m.contains("already holds a sweep") && m.contains("--resume"), m);
        assertEquals(before, Files.readString(tmp.resolve("sweep/sweep.json")));
    }
}
