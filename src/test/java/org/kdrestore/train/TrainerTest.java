package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;

class TrainerTest {
    @TempDir
    Path tmp;

    static Trainer.Result train(Path dir, boolean resume) throws Exception {
        return Trainer.run(SyntheticSet.tinyConfig(), new SyntheticSet(8, 2, 24, 28),
                new Trainer.Options(dir, resume, true, "test"));
    }

    static Map<String, NDArray> model(NDManager m, Path ckpt) {
        return Checkpoint.read(ckpt, m).model();
    }

    @Test
    void runWritesMetricsRunJsonAndCheckpointsAndLowersTheLoss() throws Exception {
        Path dir = tmp.resolve("run");
        Trainer.Result r = train(dir, false);
        assertEquals(12, r.steps());
        assertEquals(3, r.epochs());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(String.join(",", MetricsLog.COLUMNS), lines.get(0));
        assertEquals(12, lines.stream().filter(l -> l.startsWith("step,")).count());
        List<String> epochs = lines.stream().filter(l -> l.startsWith("epoch,")).toList();
        assertEquals(3, epochs.size());
        int loss = MetricsLog.COLUMNS.indexOf("loss");
        int ssim = MetricsLog.COLUMNS.indexOf("val_ssim");
        double first = Double.parseDouble(epochs.get(0).split(",")[loss]);
        double lastEpoch = Double.parseDouble(epochs.get(2).split(",")[loss]);
        assertTrue(lastEpoch < first, "epoch loss should fall: " + first + " -> " + lastEpoch);
        double valSsim = Double.parseDouble(epochs.get(2).split(",", -1)[ssim]);
        assertTrue(valSsim > 0 && valSsim <= 1, "val ssim " + valSsim);
        // the teacher term is logged (teacher weights are on by default)
        assertTrue(!lines.get(1).split(",", -1)[MetricsLog.COLUMNS.indexOf("teacher_l1")].isEmpty());

        JsonNode run = Json.MAPPER.readTree(dir.resolve("run.json").toFile());
        assertEquals("finished", run.get("status").asText());
        for (String key : List.of("config", "git_commit", "dataset", "teacher_weights_sha256", "metric_definitions",
                "libraries", "started_at", "ended_at", "device", "student", "result")) {
            assertTrue(run.hasNonNull(key), "run.json lacks " + key);
        }
        assertEquals("synthetic-8-2-24x28", run.get("dataset").get("manifest_hash").asText());
        assertEquals(8, run.get("config").get("student").get("width").asInt());
        for (String f : List.of("checkpoints/last.ckpt", "checkpoints/epoch-001.ckpt", "checkpoints/epoch-003.ckpt",
                "student.ckpt", "student.safetensors", "train.log")) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        try (NDManager m = Engines.newManager()) {
            Checkpoint.Loaded ck = Checkpoint.read(dir.resolve("student.ckpt"), m);
            assertEquals(12, ck.state().globalStep());
            assertEquals(12, ck.state().adamStep());
            assertTrue(ck.state().epochDone());
            assertTrue(ck.optimizer().containsKey("exp_avg/encoder.0.weight"));
            assertEquals(8, ck.model().get("encoder.0.weight").getShape().get(0));
            NDArray y = Checkpoint.loadStudent(dir.resolve("student.ckpt"), m).predict(m.ones(new ai.djl.ndarray.types.Shape(1, 3, 10, 12)));
            assertEquals(new ai.djl.ndarray.types.Shape(1, 3, 10, 12), y.getShape());
        }
    }

    @Test
    void resumingFromAnEpochCheckpointEndsWithTheSameWeightsAndMetricsRows() throws Exception {
        Path full = tmp.resolve("full");
        train(full, false);
        // A second run folder that stopped after epoch 1: its checkpoint, run.json and the metrics up to there
        Path part = tmp.resolve("part");
        Files.createDirectories(part.resolve("checkpoints"));
        Files.copy(full.resolve("checkpoints/epoch-001.ckpt"), part.resolve("checkpoints/last.ckpt"));
        Files.copy(full.resolve("run.json"), part.resolve("run.json"));
        List<String> rows = Files.readAllLines(full.resolve("metrics.csv"));
        Files.write(part.resolve("metrics.csv"), rows); // the later rows must be dropped on resume
        train(part, true);
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> a = model(m, full.resolve("student.ckpt"));
            Map<String, NDArray> b = model(m, part.resolve("student.ckpt"));
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
            }
        }
        int loss = MetricsLog.COLUMNS.indexOf("loss");
        List<String> again = Files.readAllLines(part.resolve("metrics.csv"));
        assertEquals(rows.size(), again.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i).split(",", -1)[0], again.get(i).split(",", -1)[0]);
            assertEquals(rows.get(i).split(",", -1)[loss], again.get(i).split(",", -1)[loss], "row " + i);
        }
        assertEquals(1, Json.MAPPER.readTree(part.resolve("run.json").toFile()).get("resumed").size());
    }

    @Test
    void anExistingRunIsNeverOverwrittenAndResumeNeedsACheckpoint() throws Exception {
        Path dir = tmp.resolve("r");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.json"), "{}");
        UserInputException e = assertThrows(UserInputException.class, () -> train(dir, false));
        assertTrue(e.getMessage().contains("--resume") && e.getMessage().contains(dir.toString()), e.getMessage());
        Path empty = tmp.resolve("empty");
        e = assertThrows(UserInputException.class, () -> train(empty, true));
        assertTrue(e.getMessage().contains("last.ckpt"), e.getMessage());
    }

    @Test
    void resumeWithADifferentConfigNamesTheDifferingKey() throws Exception {
        Path dir = tmp.resolve("c");
        train(dir, false);
        Files.copy(dir.resolve("checkpoints/epoch-001.ckpt"), dir.resolve("checkpoints/last.ckpt"), StandardCopyOption.REPLACE_EXISTING);
        UserInputException e = assertThrows(UserInputException.class, () -> Trainer.run(SyntheticSet.tinyConfig("train.lr=0.5"),
                new SyntheticSet(8, 2, 24, 28), new Trainer.Options(dir, true, true, "test")));
        assertTrue(e.getMessage().contains("train.lr"), e.getMessage());
    }

    @Test
    void epochPlanDependsOnlyOnSeedAndEpoch() {
        TrainConfig.Train t = SyntheticSet.tinyConfig().train();
        List<String> ids = List.of("a", "b", "c", "d", "e");
        assertEquals(EpochPlan.batches(ids, 3, 1, t), EpochPlan.batches(ids, 3, 1, t));
        assertNotEquals(EpochPlan.batches(ids, 3, 1, t), EpochPlan.batches(ids, 3, 2, t));
        assertNotEquals(EpochPlan.batches(ids, 3, 1, t), EpochPlan.batches(ids, 4, 1, t));
        assertEquals(3, EpochPlan.batches(ids, 3, 1, t).size()); // 5 ids x 2 crops / batch 4 -> 4, 4, 2
        assertEquals(EpochPlan.batchesPerEpoch(5, t), 3);
    }

    @Test
    void cropAndFlipsPickTheRightPixels() {
        float[] v = new float[3 * 2 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        TrainingSet.Planar p = new TrainingSet.Planar(2, 3, v);
        // channel 0 is [[0,1,2],[3,4,5]]
        assertArrayEquals(new float[] {1, 2, 4, 5}, java.util.Arrays.copyOf(p.crop(0, 1, 2, 2, false, false).chw(), 4));
        assertArrayEquals(new float[] {2, 1, 5, 4}, java.util.Arrays.copyOf(p.crop(0, 1, 2, 2, true, false).chw(), 4));
        assertArrayEquals(new float[] {4, 5, 1, 2}, java.util.Arrays.copyOf(p.crop(0, 1, 2, 2, false, true).chw(), 4));
        assertArrayEquals(new float[] {6 + 3 * 2 + 0}, java.util.Arrays.copyOf(p.crop(1, 0, 1, 1, false, false).chw()
                , 1), 9); // sanity on channel offset: 2nd channel starts at 6
    }

    /**
     * train.precision=bf16: refused with the key named where the engine has no fast bfloat16
     * kernels; run (in reference loops, on this tiny set) when the test hook allows it, with
     * run.json saying so, float32 validation, and a result close to float32's but not equal.
     */
    @Test
    void bf16TrainingIsRefusedWhereItWouldCrawlAndOtherwiseTracksFloat32() throws Exception {
        SyntheticSet data = new SyntheticSet(8, 2, 24, 28);
        TrainConfig bf16 = SyntheticSet.tinyConfig("train.precision=bf16");
        if (org.kdrestore.common.Bf16.unsupportedReason().isPresent()) {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> Trainer.run(bf16, data, new Trainer.Options(tmp.resolve("refused"), false, true, "test")));
            assertTrue(e.getMessage().contains("train.precision=bf16") && e.getMessage().contains("float32"), e.getMessage());
            assertTrue(!Files.exists(tmp.resolve("refused").resolve("run.json")), "nothing written before the refusal");
        }
        Trainer.Result f32 = train(tmp.resolve("f32"), false);
        Trainer.Result b = org.kdrestore.common.SlowBf16.run(
                () -> Trainer.run(bf16, data, new Trainer.Options(tmp.resolve("bf16"), false, true, "test")));
        JsonNode run = Json.MAPPER.readTree(tmp.resolve("bf16").resolve("run.json").toFile());
        assertTrue(run.get("precision").asText().startsWith("bf16"), run.get("precision").asText());
        assertEquals("bf16", run.get("config").get("train").get("precision").asText());
        assertTrue(Files.readString(tmp.resolve("bf16").resolve("train.log")).contains("precision: bf16"));
        assertEquals(f32.steps(), b.steps());
        assertNotEquals(f32.lastLoss(), b.lastLoss(), "bf16 rounding changes the trajectory");
        assertEquals(f32.valSsim(), b.valSsim(), 0.02, "validation SSIM after 12 steps, float32 vs bf16");
        assertTrue(b.lastLoss() < f32.lastLoss() * 1.2 && b.lastLoss() > f32.lastLoss() * 0.8,
                "last loss float32 " + f32.lastLoss() + " vs bf16 " + b.lastLoss());
    }
}
