package org.kdrestore.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.TinyTeacher;

/**
 * {@code reproduce} on three sample photos (one the test photo), a tiny teacher and two-step
 * students, two seeds: the stages, the reuse, the resume rule, and the report's figures recomputed
 * here from its own per-image table.
 */
class ReproductionTest {
    @TempDir
    static Path tmp;

    static Path photos;
    static Path splitFile;
    static TinyTeacher.Files teacher;
    static Reproduction.Result first;
    static String secondLog;

    static Reproduction.Options options(boolean resume, PrintStream log) {
        return new Reproduction.Options(tmp, photos, tmp.resolve("work"), tmp.resolve("report"), tmp.resolve("no-cache"),
                teacher.weights().toString(), teacher.config(), "cpu", 2,
                List.of("student.width=8", "train.epochs=1", "train.max_steps=2", "train.batch_size=2", "train.crop=32",
                        "train.crops_per_image=1", "train.checkpoint_every=1", "data.val_fraction=0.5", "data.val_crop=32",
                        "data.val_max_images=1"),
                splitFile, 0, resume, true, log);
    }

    @BeforeAll
    static void runTwice() throws Exception {
        teacher = TinyTeacher.write(tmp);
        photos = Files.createDirectories(tmp.resolve("photos"));
        for (String p : List.of("Grey.jpg", "ColorfulCups.jpg", "Path.jpg")) {
            Files.copy(Path.of("data-sample", p), photos.resolve(p));
        }
        splitFile = tmp.resolve("split.json");
        Files.writeString(splitFile, "{\"test\": [\"Grey\"]}");
        first = Reproduction.run(options(false, null));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Reproduction.run(options(false, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        secondLog = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theTestPhotoIsHeldOutOfEveryStudentAndEveryVariantIsTrainedPerSeed() throws IOException {
        JsonNode split = Json.MAPPER.readTree(tmp.resolve("report").resolve("split.json").toFile());
        assertEquals("[\"Grey\"]", split.get("test").toString());
        assertEquals("[\"ColorfulCups\",\"Path\"]", split.get("train_pool").toString());
        assertEquals(10, first.runs().size());
        for (Reproduction.StudentRun r : first.runs()) {
            JsonNode run = Json.MAPPER.readTree(tmp.resolve("report").resolve("runs").resolve(r.variant().id())
                    .resolve("seed-" + r.seed()).resolve("run.json").toFile());
            assertEquals("finished", run.get("status").asText(), r.name());
            JsonNode cfg = run.get("config");
            assertEquals(r.seed(), cfg.get("train").get("seed").asInt(), r.name());
            assertEquals(r.variant().studentPreset(), cfg.get("student").get("preset").asText(), r.name());
            assertEquals(r.variant().distilled(), cfg.get("loss").get("teacher_l1").asDouble() > 0, r.name());
            assertEquals(split.get("train_manifest_sha256").asText(), run.get("dataset").get("manifest_hash").asText(), r.name());
            assertTrue(Files.isRegularFile(tmp.resolve("report").resolve("runs").resolve(r.variant().id()).resolve("seed-" + r.seed())
                    .resolve("student.safetensors")), r.name());
        }
        // the evaluation saw only the test photo's quadrants
        assertEquals(List.of("Grey"), first.evaluation().heldOutPhotos());
        assertEquals(4 * (2 + 10), first.evaluation().rows().size(), "4 quadrants x (input, teacher, 10 students)");
    }

    @Test
    void aSecondInvocationReusesEveryStage() {
        assertEquals(10, secondLog.split("reused the finished run", -1).length - 1, secondLog);
        assertTrue(secondLog.contains("evaluation: reused"), secondLog);
    }

    /** per_image.csv → mean over seeds per quadrant → mean over quadrants, by hand, against students.csv and differences.csv. */
    @Test
    void theTablesFollowFromThePerImageScores() throws IOException {
        Path report = tmp.resolve("report");
        Map<String, Map<String, Double>> ssim = new LinkedHashMap<>(); // model -> image -> SSIM
        List<String> lines = Files.readAllLines(report.resolve("per_image.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            ssim.computeIfAbsent(f[header.indexOf("model")], k -> new LinkedHashMap<>())
                    .put(f[header.indexOf("image")], Double.parseDouble(f[header.indexOf("SSIM")]));
        }
        List<String> images = new ArrayList<>(ssim.get("input").keySet());
        double kdMinusGt = 0;
        double fixedKd = 0;
        int agreeing = 0;
        double[] perSeed = new double[2];
        for (int s = 0; s < 2; s++) {
            for (String img : images) {
                perSeed[s] += (ssim.get("b-fixed-kd/seed-" + s).get(img) - ssim.get("c-fixed-gt/seed-" + s).get(img)) / images.size();
            }
        }
        for (String img : images) {
            double kd = (ssim.get("b-fixed-kd/seed-0").get(img) + ssim.get("b-fixed-kd/seed-1").get(img)) / 2;
            double gt = (ssim.get("c-fixed-gt/seed-0").get(img) + ssim.get("c-fixed-gt/seed-1").get(img)) / 2;
            fixedKd += kd / images.size();
            kdMinusGt += (kd - gt) / images.size();
        }
        for (double d : perSeed) {
            agreeing += Math.signum(d) == Math.signum(kdMinusGt) ? 1 : 0;
        }
        assertEquals(fixedKd, cell(report.resolve("students.csv"), "b-fixed-kd", "SSIM", "mean"), 1e-12);
        assertEquals(kdMinusGt, cell(report.resolve("differences.csv"), "b-fixed-kd − c-fixed-gt", "SSIM", "mean"), 1e-12);
        assertEquals(agreeing + "/2", text(report.resolve("differences.csv"), "b-fixed-kd − c-fixed-gt", "SSIM", "seeds agreeing"));
        String md = Files.readString(report.resolve("README.md"));
        assertTrue(md.contains("Does the teacher help (b-fixed-kd − c-fixed-gt)?"), md);
        assertTrue(md.contains("0.9023") && md.contains("0.8838"), "the seed's figures are shown");
        assertTrue(Files.isRegularFile(report.resolve("index.html")));
    }

    @Test
    void anInterruptedStudentNeedsResume() throws Exception {
        Path work = tmp.resolve("work");
        Path run = work.resolve("runs").resolve("e-residual-gt").resolve("seed-1");
        ObjectNode j = (ObjectNode) Json.MAPPER.readTree(run.resolve("run.json").toFile());
        j.put("status", "running");
        Json.writeFile(run.resolve("run.json"), j);
        Files.delete(run.resolve("student.ckpt"));
        UserInputException e = assertThrows(UserInputException.class, () -> Reproduction.run(options(false, null)));
        assertTrue(e.getMessage().contains("--resume") && e.getMessage().contains("e-residual-gt/seed-1"), e.getMessage());
        Reproduction.Result resumed = Reproduction.run(options(true, null));
        assertTrue(Files.isRegularFile(run.resolve("student.ckpt")));
        assertEquals(10, resumed.runs().size());
    }

    /** The evaluation alone, on the weights the report keeps, gives the same tables to the last digit. */
    @Test
    void evaluatingTheKeptWeightsAgainReproducesTheTables() throws Exception {
        Path report = tmp.resolve("report");
        Path copy = tmp.resolve("report-copy");
        for (Path p : (Iterable<Path>) Files.walk(report)::iterator) {
            Path to = copy.resolve(report.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(to);
            } else {
                Files.copy(p, to);
            }
        }
        Reproduction.Options o = options(false, null);
        Reproduction.evaluateOnly(new Reproduction.Options(o.home(), o.photos(), tmp.resolve("work-eval"), copy, o.weightsCache(),
                o.teacher(), o.teacherConfig(), o.preset(), o.seeds(), o.sets(), o.splitFile(), 0, false, true, null));
        for (String f : List.of("students.csv", "differences.csv", "seed_figures.csv", "per_image.csv")) {
            assertEquals(Files.readString(report.resolve(f)), Files.readString(copy.resolve(f)), f);
        }
    }

    @Test
    void unknownPresetsAndSeedCountsAreRefused() {
        UserInputException e = assertThrows(UserInputException.class, () -> new Reproduction.Options(tmp, photos, tmp, tmp, tmp, "auto",
                null, "gpu", 3, List.of(), splitFile, 0, false, true, null));
        assertTrue(e.getMessage().contains("'gpu'"), e.getMessage());
        assertThrows(UserInputException.class, () -> new Reproduction.Options(tmp, photos, tmp, tmp, tmp, "auto", null, "cpu", 0, List.of(),
                splitFile, 0, false, true, null));
    }

    private static String text(Path csv, String subject, String metric, String column) throws IOException {
        tech.tablesaw.api.Table t = tech.tablesaw.api.Table.read().usingOptions(
                tech.tablesaw.io.csv.CsvReadOptions.builder(csv.toFile()).columnTypesToDetect(List.of(tech.tablesaw.api.ColumnType.STRING)));
        for (tech.tablesaw.api.Row r : t) {
            if (r.getString(0).equals(subject) && r.getString("metric").equals(metric)) {
                return r.getString(column);
            }
        }
        throw new AssertionError(subject + " / " + metric + " not in " + csv);
    }

    private static double cell(Path csv, String subject, String metric, String column) throws IOException {
        return Double.parseDouble(text(csv, subject, metric, column));
    }
}
