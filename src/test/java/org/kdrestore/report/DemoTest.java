package org.kdrestore.report;

import org.kdrestore.model.Flops;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Restormer;
import org.kdrestore.data.PreparedDataset;
import org.kdrestore.data.Sample;
import org.kdrestore.infer.TeacherResolver;
import org.kdrestore.model.Fixtures;
import org.kdrestore.model.TinyTeacher;
import tech.tablesaw.api.Table;

/**
 * The demo flow end to end on two real photos, a tiny Restormer whose weights the test writes
 * (untrained but real) and two training steps; then a second
 * run that must reuse every stage; then the report's files and tables.
 */
class DemoTest {
    @TempDir
    static Path tmp;

    static Demo.Result first;
    static Demo.Result second;
    static String secondLog;
    static Path work;
    static Path reportDir;

    static Path teacherWeights;
    static Path teacherConfig;

    static void writeTinyTeacher(Path dir) throws IOException {
        TinyTeacher.Files f = TinyTeacher.write(dir);
        teacherWeights = f.weights();
        teacherConfig = f.config();
    }

    static Demo.Options options(Path photos, PrintStream log) throws IOException {
        return new Demo.Options(tmp, photos, work, reportDir, tmp.resolve("no-cache"), teacherWeights.toString(), teacherConfig, "quick",
                List.of("train.epochs=1", "train.max_steps=2", "train.batch_size=2", "train.crop=64", "train.crops_per_image=1",
                        "data.val_crop=64", "data.val_max_images=1"),
                1, false, true, log);
    }

    @BeforeAll
    static void runTwice() throws IOException {
        writeTinyTeacher(tmp);
        Path photos = tmp.resolve("photos");
        Files.createDirectories(photos);
        for (String p : List.of("Grey.jpg", "ColorfulCups.jpg")) {
            Files.copy(Path.of("data-sample", p), photos.resolve(p));
        }
        work = tmp.resolve("work");
        reportDir = tmp.resolve("reports").resolve("demo");
        first = Demo.run(options(photos, null));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        second = Demo.run(options(photos, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        secondLog = bytes.toString(StandardCharsets.UTF_8);
        System.err.println("demo test timings: first " + first.seconds() + ", second " + second.seconds());
    }

    @Test
    void firstRunComputesEveryStageAndSecondRunReusesThemAndSaysSo() {
        assertTrue(first.reused().values().stream().noneMatch(b -> b), first.reused().toString());
        assertTrue(second.reused().values().stream().allMatch(b -> b), second.reused().toString());
        assertEquals(first.runDir(), second.runDir());
        assertTrue(secondLog.contains("all reused from the previous run"), secondLog);
        assertTrue(secondLog.contains("reused from the cache"), secondLog);
        assertTrue(secondLog.contains("reused the finished run"), secondLog);
        assertTrue(secondLog.contains("everything reused"), secondLog);
    }

    /**
     * Without a run: the teacher on every quadrant of the dataset (both photos), with paired
     * teacher − input differences whose mean is the mean of the per-image differences.
     */
    @Test
    void aTeacherIsEvaluatedOnEveryQuadrantOfADatasetWithPairedDifferences() throws IOException {
        PreparedDataset ds = PreparedDataset.open(work.resolve("prepared"), false);
        Path cache = Path.of(String.valueOf(first.evaluation().teacher().get("cache")));
        Evaluation.Result ev = Evaluation.runDataset(ds, cache, tmp.resolve("teacher-eval"), new Evaluation.Options(true, 0, false));
        assertEquals(List.of(Evaluation.INPUT, Evaluation.TEACHER), ev.models());
        assertEquals(8 * 2, ev.rows().size(), "2 photos x 4 quadrants, input and teacher");
        assertEquals(2, ev.heldOutPhotos().size());
        Evaluation.Stat psnr = ev.differences().stream()
                .filter(d -> d.subject().equals("teacher − input") && d.metric().equals(Evaluation.PSNR)).findFirst().orElseThrow();
        double sum = 0;
        for (Evaluation.Row t : ev.rows()) {
            if (t.model().equals(Evaluation.TEACHER)) {
                Evaluation.Row in = ev.rows().stream().filter(r -> r.model().equals(Evaluation.INPUT) && r.image().equals(t.image()))
                        .findFirst().orElseThrow();
                sum += t.psnr() - in.psnr();
            }
        }
        assertEquals(8, psnr.n());
        assertEquals(sum / 8, psnr.mean(), 1e-12);
        assertTrue(psnr.ciLow() <= psnr.mean() && psnr.mean() <= psnr.ciHigh());
        assertTrue(Files.readString(tmp.resolve("teacher-eval").resolve("evaluation.md")).contains("teacher − input"));
    }

    @Test
    void evaluationUsesTheRunsHeldOutPhotoAndAlwaysScoresTheInput() {
        Evaluation.Result ev = first.evaluation();
        PreparedDataset ds = PreparedDataset.open(work.resolve("prepared"), false);
        // The run's config: val_fraction 0.2 of 2 photos → 1 photo, chosen by train.seed.
        Set<String> val = ds.split(0.2, 0).val().stream().map(Sample::photo).collect(Collectors.toSet());
        assertEquals(val, Set.copyOf(ev.heldOutPhotos()));
        assertEquals(List.of(Evaluation.INPUT, Evaluation.TEACHER, Demo.KD_STUDENT, Demo.GT_STUDENT), ev.models());
        assertEquals(4 * 4, ev.rows().size());
        for (String model : ev.models()) {
            assertEquals(4, ev.rows().stream().filter(r -> r.model().equals(model)).count(), model);
        }
        assertTrue(ev.rows().stream().allMatch(r -> r.msSsim() != null), "960x540 quadrants get MS-SSIM");
        assertEquals(ev.models().size() * 3, ev.summary().size());
        assertEquals((1 + 2 * 2 + 1) * 3, ev.differences().size(),
                "teacher − input, each student − teacher and − input, and student-kd − student-gt, three metrics each");
        assertEquals("tiny-teacher.safetensors", ev.teacher().get("weights"));
    }

    /**
     * The ground-truth-only student: its own run (config identical but for the teacher weights,
     * which are 0), trained from the same seed; its paired difference to the distilled student is
     * the mean of the per-image differences.
     */
    @Test
    void theGroundTruthOnlyStudentDiffersOnlyInItsLossAndIsComparedPairwise() throws IOException {
        Evaluation.Result ev = first.evaluation();
        Path gtRun = Path.of(ev.checkpoints().get(Demo.GT_STUDENT)).getParent();
        assertFalse(gtRun.equals(first.runDir()));
        com.fasterxml.jackson.databind.JsonNode kd = Evaluation.readRunJson(first.runDir()).path("config");
        com.fasterxml.jackson.databind.JsonNode gt = Evaluation.readRunJson(gtRun).path("config");
        for (String key : List.of("teacher_l1", "teacher_ssim", "teacher_vgg")) {
            assertEquals(0.0, gt.path("loss").path(key).asDouble(), key);
        }
        assertTrue(kd.path("loss").path("teacher_l1").asDouble() > 0);
        assertEquals(kd.path("train"), gt.path("train"), "same seed, steps, crops and optimiser");
        assertEquals(kd.path("student"), gt.path("student"));
        Evaluation.Stat ssim = ev.differences().stream()
                .filter(d -> d.subject().equals(Demo.KD_STUDENT + " − " + Demo.GT_STUDENT) && d.metric().equals(Evaluation.SSIM))
                .findFirst().orElseThrow();
        double sum = 0;
        int n = 0;
        for (Evaluation.Row a : ev.rows()) {
            if (a.model().equals(Demo.KD_STUDENT)) {
                Evaluation.Row b = ev.rows().stream().filter(r -> r.model().equals(Demo.GT_STUDENT) && r.image().equals(a.image()))
                        .findFirst().orElseThrow();
                sum += a.ssim() - b.ssim();
                n++;
            }
        }
        assertEquals(4, n);
        assertEquals(sum / n, ssim.mean(), 1e-12);
        assertTrue(secondLog.contains("training 2/2 (" + Demo.GT_STUDENT + ", ground truth only): reused the finished run"), secondLog);
    }

    @Test
    void inputRowsEqualAnIndependentScoreOfTheFiles() {
        Evaluation.Result ev = first.evaluation();
        PreparedDataset ds = PreparedDataset.open(work.resolve("prepared"), false);
        Sample s = ds.samples().stream().filter(x -> x.id().equals(ev.rows().get(0).image())).findFirst().orElseThrow();
        double[] v = Evaluation.scoreFiles(s.degraded(), s.sharp());
        Evaluation.Row row = ev.rows().get(0);
        assertEquals(Evaluation.INPUT, row.model());
        assertEquals(v[0], row.ssim(), 1e-9);
        assertEquals(v[1], row.psnr(), 1e-9);
    }

    @Test
    void reportHasEveryElementAndItsTablesParse() throws IOException {
        for (String f : List.of("index.html", "README.md", "loss_curves.png", "validation_ssim.png", "comparison_1.png",
                "comparison_4.png")) {
            assertTrue(Files.isRegularFile(reportDir.resolve(f)), f);
        }
        String html = Files.readString(reportDir.resolve("index.html"));
        assertFalse(html.matches("(?s).*<img[^>]*src=\"(?!data:image/png;base64,)[^\"]*\".*"), "every image is inlined");
        for (String s : List.of("Summary", "Paired differences", "Cost per 1920x1080 image", "Training curves", "Comparisons",
                "Per image", "Metric definitions", "Provenance", "pytorch-msssim", "1/65535", first.teacher().sha256(),
                "&quot;config&quot;")) {
            assertTrue(html.contains(s), s);
        }
        String md = Files.readString(reportDir.resolve("README.md"));
        assertTrue(md.contains("![comparison 1](comparison_1.png)"));
        Path eval = first.runDir().resolve("eval");
        Table perImage = Table.read().csv(eval.resolve("per_image.csv").toFile());
        assertEquals(16, perImage.rowCount());
        assertEquals(List.of("image", "model", "SSIM", "PSNR (dB)", "MS-SSIM"), perImage.columnNames());
        Table summary = Table.read().csv(eval.resolve("summary.csv").toFile());
        assertEquals(12, summary.rowCount());
        assertTrue(summary.stringColumn("model").asList().contains(Evaluation.INPUT));
        assertEquals(4, summary.intColumn("n").min(), 0);
        Table cost = Table.read().csv(eval.resolve("cost.csv").toFile());
        assertEquals(List.of(Evaluation.TEACHER, Demo.KD_STUDENT, Demo.GT_STUDENT), cost.stringColumn("model").asList());
        assertEquals((long) Flops.student(org.kdrestore.model.StudentConfig.seed(), 1, 1080, 1920) / 1e9,
                cost.doubleColumn("GFLOPs").get(1), 1e-6);
        assertTrue(cost.doubleColumn("latency (s)").get(1) > 0, "the student was timed");
        assertTrue(cost.doubleColumn("latency (s)").isMissing(0), "the teacher was not timed (off in this test)");
        assertTrue(cost.stringColumn("what was timed").get(0).contains("not measured"));
        String evalMd = Files.readString(eval.resolve("evaluation.md"));
        assertTrue(evalMd.indexOf("## Definitions") > evalMd.indexOf("## Summary"), "definitions under the tables");
    }

    @Test
    void emptyPhotoFolderIsOneClearError() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        UserInputException e = assertThrows(UserInputException.class, () -> Demo.run(options(empty, null)));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    }

    @Test
    void runFolderWithoutCheckpointsIsOneClearError() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("unfinished"));
        Files.copy(first.runDir().resolve("run.json"), run.resolve("run.json"));
        UserInputException e = assertThrows(UserInputException.class, () -> Evaluation.runCheckpoints(run, true));
        assertTrue(e.getMessage().contains("no student checkpoint") && e.getMessage().contains(run.toString()), e.getMessage());
    }

    @Test
    void teacherConfigThatDoesNotMatchItsWeightsIsOneClearError() throws IOException {
        Path wrong = tmp.resolve("wrong.json");
        Files.writeString(wrong, "{\"dim\": 16, \"num_blocks\": [1,1,1,1], \"num_refinement_blocks\": 1}");
        TeacherResolver.Resolved t = TeacherResolver.given(Fixtures.path("tiny_withbias.npz"), wrong);
        try (ai.djl.ndarray.NDManager m = org.kdrestore.common.Engines.newManager()) {
            UserInputException e = assertThrows(UserInputException.class, () -> t.load(m));
            assertTrue(e.getMessage().contains(wrong.toString()) && e.getMessage().contains("tiny_withbias.npz")
                    && e.getMessage().contains("patch_embed.proj.weight"), e.getMessage());
        }
    }

    @Test
    void teacherProvenanceIsRecordedInTheRunFolder() {
        assertNotNull(first.evaluation().teacher().get("resolved"));
        assertEquals("given", ((java.util.Map<?, ?>) first.evaluation().teacher().get("resolved")).get("kind"));
    }
}
