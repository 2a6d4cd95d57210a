package org.kdrestore.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.UserInputException;

class SweepPlanTest {
    @TempDir
    Path tmp;

    /** A sweep file over the quick preset, teacher terms off (no cache here), on a fake prepared folder. */
    Path sweep(String body) throws IOException {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("manifest.json"), "{}");
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, "name: t\nbase: quick\ndata: " + data + "\n"
                + "set: {loss.teacher_l1: 0, loss.teacher_ssim: 0, loss.teacher_vgg: 0}\n" + body);
        return f;
    }

    SweepPlan plan(String body) throws IOException {
        return SweepPlan.of(SweepSpec.read(sweep(body)));
    }

    String error(String body) throws IOException {
        Path f = sweep(body);
        return assertThrows(UserInputException.class, () -> SweepPlan.of(SweepSpec.read(f))).getMessage();
    }

    @Test
    void gridGivesEveryCombinationFirstKeySlowestAndMarksTheOneEqualToTheBase() throws IOException {
        // quick has lr 1e-3 and gt_ssim 1.0, so trial t001 is the base: no extra trial
        SweepPlan p = plan("grid: {train.lr: [1.0e-3, 3e-4], loss.gt_ssim: [0.5, 1.0]}\n");
        assertEquals(4, p.trials().size());
        assertEquals(List.of("train.lr", "loss.gt_ssim"), p.sweptKeys());
        assertEquals(Map.of("train.lr", "0.001", "loss.gt_ssim", "0.5"), p.trials().get(0).params());
        assertEquals(Map.of("train.lr", "0.001", "loss.gt_ssim", "1.0"), p.trials().get(1).params());
        assertEquals(Map.of("train.lr", "0.0003", "loss.gt_ssim", "0.5"), p.trials().get(2).params());
        assertEquals(3e-4, p.trials().get(2).config().train().lr());
        assertEquals(0.5, p.trials().get(2).config().loss().gtSsim());
        assertEquals(0.0, p.trials().get(2).config().loss().teacherL1(), "set applies to every trial");
        assertTrue(p.trials().get(1).base());
        assertEquals(1, p.trials().stream().filter(SweepPlan.Trial::base).count());
        assertEquals(List.of("t000", "t001", "t002", "t003"), p.trials().stream().map(SweepPlan.Trial::id).toList());
    }

    @Test
    void theBaseIsAddedFirstWhenNoCombinationEqualsItUnlessTurnedOff() throws IOException {
        SweepPlan p = plan("grid: {train.lr: [3e-3, 3e-4]}\n");
        assertEquals(3, p.trials().size());
        assertTrue(p.trials().get(0).base());
        assertTrue(p.trials().get(0).params().isEmpty());
        assertEquals(p.baseConfig(), p.trials().get(0).config());
        assertEquals(2, plan("grid: {train.lr: [3e-3, 3e-4]}\ninclude_base: false\n").trials().size());
    }

    @Test
    void randomSearchIsReproducibleFromItsSeedAndStaysInItsRanges() throws IOException {
        String space = "space: {train.lr: {log_uniform: [1e-4, 1e-2]}, train.batch_size: {int_uniform: [2, 9]},"
                + " loss.gt_ssim: {uniform: [0.25, 0.75]}, student.width: {choice: [8, 16]}}}\ninclude_base: false\n";
        SweepPlan a = plan("random: {seed: 7, trials: 6, " + space);
        SweepPlan b = plan("random: {seed: 7, trials: 6, " + space);
        SweepPlan c = plan("random: {seed: 8, trials: 6, " + space);
        assertEquals(6, a.trials().size());
        assertEquals(a.trials().stream().map(SweepPlan.Trial::params).toList(), b.trials().stream().map(SweepPlan.Trial::params).toList());
        assertNotEquals(a.trials().stream().map(SweepPlan.Trial::params).toList(), c.trials().stream().map(SweepPlan.Trial::params).toList());
        for (SweepPlan.Trial t : a.trials()) {
            double lr = t.config().train().lr();
            assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
            assertTrue(t.params().get("train.lr").replace("E", "e").replaceAll("e.*", "").replace(".", "").replace("-", "")
                    .replaceAll("^0+", "").length() <= 4, "4 significant digits: " + t.params().get("train.lr"));
            int bs = t.config().train().batchSize();
            assertTrue(bs >= 2 && bs <= 9, "batch " + bs);
            double s = t.config().loss().gtSsim();
            assertTrue(s >= 0.25 && s <= 0.75, "ssim " + s);
            assertTrue(List.of(8, 16).contains(t.config().student().width()));
        }
        // trial i's draw depends only on (seed, i): a larger budget keeps the first draws
        SweepPlan longer = plan("random: {seed: 7, trials: 9, " + space);
        assertEquals(a.trials().stream().map(SweepPlan.Trial::params).toList(),
                longer.trials().subList(0, 6).stream().map(SweepPlan.Trial::params).toList());
    }

    @Test
    void anUnknownKeyIsRefusedNamingItAndTheKnownKeysOfItsSection() throws IOException {
        String m = error("grid: {train.learning_rate: [1e-3]}\n");
        assertTrue(m.contains("s.yaml") && m.contains("'train.learning_rate'") && m.contains("train.lr"), m);
        m = error("grid: {train.lr: [1e-3]}\nset: {loss.gt_l2: 1}\n".replace("set:", "set2:"));
        assertTrue(m.contains("unknown key 'set2'"), m);
    }

    @Test
    void anEmptyGridOrAKeyWithoutValuesIsRefused() throws IOException {
        assertTrue(error("grid: {}\n").contains("'grid' is empty"));
        String m = error("grid: {train.lr: []}\n");
        assertTrue(m.contains("grid.train.lr has no values"), m);
        assertTrue(error("metric: val_ssim\n").contains("exactly one of 'grid'"));
    }

    @Test
    void aRandomBudgetOfZeroIsRefused() throws IOException {
        String m = error("random: {seed: 1, trials: 0, space: {train.lr: {log_uniform: [1e-4, 1e-2]}}}\n");
        assertTrue(m.contains("random.trials must be ≥ 1") && m.contains("got 0"), m);
        m = error("random: {seed: 1, trials: 2, space: {train.lr: {log_uniform: [0, 1e-2]}}}\n");
        assertTrue(m.contains("log_uniform") && m.contains("positive"), m);
    }

    @Test
    void aBaseConfigThatFailsValidationIsRefusedBeforeAnyTrial() throws IOException {
        Path f = sweep("grid: {train.lr: [1e-3]}\n");
        Files.writeString(f, Files.readString(f).replace("loss.teacher_l1: 0", "loss.teacher_l1: 0, train.batch_size: 0"));
        String m = assertThrows(UserInputException.class, () -> SweepPlan.of(SweepSpec.read(f))).getMessage();
        assertTrue(m.contains("base config fails validation") && m.contains("train.batch_size must be ≥ 1"), m);
        m = error("grid: {train.lr: [1e-3]}\n".replace("", "") + "base2: x\n");
        assertTrue(m.contains("unknown key 'base2'"), m);
    }

    @Test
    void aBadValueIsRefusedNamingTheTrialKeyAndValue() throws IOException {
        String m = error("grid: {train.batch_size: [4, eight]}\n");
        assertTrue(m.contains("trial 2 of 2") && m.contains("train.batch_size=eight") && m.contains("train.batch_size"), m);
        m = error("grid: {train.lr: [1e-3, -1]}\n");
        assertTrue(m.contains("train.lr must be a positive number"), m);
        m = error("grid: {train.lr: [1e-3]}\nmetric: ssim\n");
        assertTrue(m.contains("metric 'ssim'"), m);
    }

    @Test
    void aNamedTeacherCacheThatIsMissingIsRefused() throws IOException {
        Path f = sweep("grid: {loss.teacher_l1: [0, 0.5]}\nteacher_cache: " + tmp.resolve("no-cache") + "\n");
        Files.writeString(f, Files.readString(f).replace("loss.teacher_l1: 0, ", ""));
        String m = assertThrows(UserInputException.class, () -> SweepPlan.of(SweepSpec.read(f))).getMessage();
        assertTrue(m.contains("teacher_cache") && m.contains("no-cache") && m.contains("does not exist"), m);
    }

    /** Teacher terms without a named cache: the teacher is resolved in the plan (the runner fills its cache), and names the sweep. */
    @Test
    void teacherTermsResolveTheTeacherWhichIsPartOfTheDefinition() throws IOException {
        org.kdrestore.model.TinyTeacher.Files tiny = org.kdrestore.model.TinyTeacher.write(tmp);
        Path f = sweep("grid: {loss.teacher_l1: [0.5]}\nteacher: " + tiny.weights() + "\nteacher_config: " + tiny.config() + "\n");
        Files.writeString(f, Files.readString(f).replace("loss.teacher_l1: 0, ", ""));
        SweepPlan p = SweepPlan.of(SweepSpec.read(f));
        assertEquals(org.kdrestore.common.Hashing.sha256(tiny.weights()), p.teacher().sha256());
        SweepPlan auto = SweepPlan.of(SweepSpec.read(f).withTeacher("compact", null));
        assertTrue(auto.teacher().weights().toString().endsWith("restormer-s.safetensors"), auto.teacher().weights().toString());
        assertNotEquals(p.hash(), auto.hash(), "another teacher is another sweep");
        assertEquals(null, plan("grid: {train.lr: [1.0e-3]}\n").teacher(), "no teacher terms, no teacher");
    }

    @Test
    void theDefinitionHashIsStableAndFollowsEveryTrialValue() throws IOException {
        String a = plan("grid: {train.lr: [1.0e-3, 3e-4]}\n").hash();
        assertEquals(a, plan("grid: {train.lr: [1.0e-3, 3e-4]}\n").hash());
        assertNotEquals(a, plan("grid: {train.lr: [1.0e-3, 2e-4]}\n").hash());
        assertNotEquals(a, plan("grid: {train.lr: [1.0e-3, 3e-4]}\nmetric: val_psnr\n").hash());
    }

    @Test
    void resumingWithAChangedSweepIsRefusedNamingWhatChanged() throws IOException {
        Path dir = tmp.resolve("sweep");
        Files.createDirectories(dir);
        SweepState.create(dir, plan("grid: {train.lr: [1.0e-3, 3e-4]}\n"));
        SweepState same = SweepState.resume(dir, plan("grid: {train.lr: [1.0e-3, 3e-4]}\n"));
        assertEquals(2, same.trials().size());
        String m = assertThrows(UserInputException.class,
                () -> SweepState.resume(dir, plan("grid: {train.lr: [1.0e-3, 2e-4]}\n"))).getMessage();
        assertTrue(m.contains("differs") && m.contains("trials") && m.contains("search"), m);
        assertFalse(m.contains("base_config"), m);
    }
}
