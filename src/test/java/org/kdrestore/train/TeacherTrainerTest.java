package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.kdrestore.infer.TeacherWeights;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.weights.ParameterNames;

class TeacherTrainerTest {
    @TempDir
    Path tmp;

    /** A Restormer small enough for a few steps in a test: dim 4, one block per level, whole 16×24 images. */
    static TeacherTrainConfig tiny(String... more) {
        List<String> sets = new ArrayList<>(List.of("model.dim=4", "model.num_blocks=1,1,1,1", "model.num_refinement_blocks=0",
                "model.heads=1,1,1,1", "train.crop=0", "train.crops_per_image=1", "train.flips=false", "train.batch_size=2",
                "train.epochs=2", "train.max_steps=0", "train.checkpoint_every=0", "train.lr=1e-3", "train.loader_threads=1",
                "data.val_crop=0"));
        sets.addAll(List.of(more));
        return TeacherTrainConfig.load("restormer-s", sets);
    }

    static TeacherTrainer.Result train(Path dir, boolean resume, TeacherTrainConfig cfg, TrainingSet set) throws Exception {
        return TeacherTrainer.run(cfg, set, new TeacherTrainer.Options(dir, resume, true, "test", Path.of("synthetic")));
    }

    private static List<Double> column(Path metrics, String kind, String col) throws Exception {
        List<String> lines = Files.readAllLines(metrics);
        int i = List.of(lines.get(0).split(",")).indexOf(col);
        List<Double> out = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            if (f[0].equals(kind)) {
                out.add(Double.parseDouble(f[i]));
            }
        }
        return out;
    }

    @Test
    void theRestormerSPresetIsTheDocumentedCompactArchitecture() {
        RestormerConfig c = TeacherTrainConfig.load("restormer-s", List.of()).model().resolve();
        assertEquals(16, c.dim());
        assertEquals(List.of(1, 2, 2, 2), c.numBlocks());
        assertEquals(1, c.numRefinementBlocks());
        assertEquals(List.of(1, 2, 4, 8), c.heads());
        assertEquals("WithBias", c.layerNormType().upstreamName());
        assertFalse(c.bias());
    }

    @Test
    void lossDecreasesOnAFixedBatch() throws Exception {
        // One training image, no crops or flips: every step sees the same batch.
        Path dir = tmp.resolve("fixed");
        TeacherTrainer.Result r = train(dir, false, tiny("train.epochs=8", "train.batch_size=1", "schedule.kind=constant"),
                new SyntheticSet(1, 1, 16, 24));
        List<Double> loss = column(dir.resolve("metrics.csv"), "step", "loss");
        assertEquals(8, loss.size());
        for (int i = 1; i < loss.size(); i++) {
            assertTrue(loss.get(i) < loss.get(i - 1), "L1 went up at step " + (i + 1) + ": " + loss);
        }
        assertTrue(loss.get(7) < 0.98 * loss.get(0), "L1 " + loss);
        assertEquals(8, r.steps());
    }

    @Test
    void untrainedTeacherIsTheIdentity() {
        try (NDManager m = Engines.newManager()) {
            Restormer net = TeacherTrainer.create(tiny().model().resolve(), m, 7);
            NDArray x = m.randomUniform(0, 1, new ai.djl.ndarray.types.Shape(1, 3, 16, 16));
            assertArrayEquals(x.toFloatArray(), net.apply(x).toFloatArray(), 0f);
        }
    }

    @Test
    void runWritesUpstreamWeightsAndArchThatLoadStrictlyAndTheBaseline() throws Exception {
        Path dir = tmp.resolve("run");
        TeacherTrainer.Result r = train(dir, false, tiny(), new SyntheticSet(4, 2, 16, 24));
        JsonNode run = Json.MAPPER.readTree(dir.resolve("run.json").toFile());
        assertEquals("finished", run.get("status").asText());
        assertTrue(run.get("baseline_validation").get("psnr").isNumber());
        assertEquals(r.weightsSha256(), run.get("result").get("weights_sha256").asText());
        assertEquals(r.beatsInput(), run.get("result").get("beats_input").asBoolean());
        assertTrue(Files.exists(dir.resolve("checkpoints/epoch-002.ckpt")));
        @SuppressWarnings("unchecked")
        Map<String, Object> arch = Json.MAPPER.readValue(dir.resolve(TeacherTrainer.ARCH).toFile(), Map.class);
        for (String k : List.of("dim", "num_blocks", "num_refinement_blocks", "heads", "ffn_expansion_factor", "bias",
                "LayerNorm_type")) {
            assertTrue(arch.containsKey(k), k);
        }
        RestormerConfig c = RestormerConfig.fromUpstreamMap(arch);
        assertEquals(tiny().model().resolve(), c);
        try (NDManager m = Engines.newManager()) {
            Restormer loaded = TeacherWeights.load(dir.resolve(TeacherTrainer.WEIGHTS), c, m); // strict
            Map<String, Parameter> p = ParameterNames.of(loaded);
            assertTrue(p.containsKey("output.weight") && p.containsKey("encoder_level1.0.attn.temperature"), p.keySet().toString());
        }
        String log = Files.readString(dir.resolve("train.log"));
        assertTrue(log.contains("baseline (degraded input"), log);
        assertTrue(r.beatsInput() || log.contains("does not beat the degraded input"), log);
    }

    @Test
    void resumingFromAnEpochCheckpointEndsWithTheSameWeights() throws Exception {
        SyntheticSet set = new SyntheticSet(4, 1, 16, 24);
        Path full = tmp.resolve("full");
        train(full, false, tiny(), set);
        Path part = tmp.resolve("part");
        Files.createDirectories(part.resolve("checkpoints"));
        Files.copy(full.resolve("checkpoints/epoch-001.ckpt"), part.resolve("checkpoints/last.ckpt"));
        Files.copy(full.resolve("run.json"), part.resolve("run.json"));
        Files.copy(full.resolve("metrics.csv"), part.resolve("metrics.csv"));
        train(part, true, tiny(), set);
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> a = org.kdrestore.weights.Weights.read(full.resolve(TeacherTrainer.WEIGHTS), m).tensors();
            Map<String, NDArray> b = org.kdrestore.weights.Weights.read(part.resolve(TeacherTrainer.WEIGHTS), m).tensors();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
            }
        }
        assertEquals(Files.readAllLines(full.resolve("metrics.csv")).size(), Files.readAllLines(part.resolve("metrics.csv")).size());
    }

    @Test
    void resumeRefusesADifferentConfigAndAnExistingRunIsNotOverwritten() throws Exception {
        SyntheticSet set = new SyntheticSet(2, 1, 16, 24);
        Path dir = tmp.resolve("c");
        train(dir, false, tiny("train.epochs=1"), set);
        UserInputException e = assertThrows(UserInputException.class, () -> train(dir, false, tiny("train.epochs=1"), set));
        assertTrue(e.getMessage().contains("--resume") && e.getMessage().contains(dir.toString()), e.getMessage());
        e = assertThrows(UserInputException.class, () -> train(dir, true, tiny("train.epochs=1", "train.lr=0.5"), set));
        assertTrue(e.getMessage().contains("config differs") && e.getMessage().contains("train.lr: "), e.getMessage());
        e = assertThrows(UserInputException.class, () -> train(tmp.resolve("none"), true, tiny(), set));
        assertTrue(e.getMessage().contains("last.ckpt"), e.getMessage());
    }

    @Test
    void badConfigErrorsNameTheKeyOrFile() {
        UserInputException e = assertThrows(UserInputException.class, () -> tiny("model.dims=8"));
        assertTrue(e.getMessage().contains("model.dims"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> tiny("model.heads=1,2,4,3"));
        assertTrue(e.getMessage().contains("heads"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> tiny("model.layer_norm_type=Batch"));
        assertTrue(e.getMessage().contains("model.layer_norm_type"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> tiny("schedule.kind=step"));
        assertTrue(e.getMessage().contains("schedule.kind"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> tiny("train.vgg_weights=vgg.pth"));
        assertTrue(e.getMessage().contains("train.vgg_weights"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> TeacherTrainConfig.load("no-such-preset.yaml", List.of()));
        assertTrue(e.getMessage().contains("no-such-preset.yaml") && e.getMessage().contains("restormer-s"), e.getMessage());
    }

    @Test
    void cosineScheduleGoesFromLrToMinLr() {
        TeacherTrainConfig.Schedule s = new TeacherTrainConfig.Schedule("cosine", 1e-6, 0);
        assertEquals(3e-4, s.lr(3e-4, 0, 100), 1e-15);
        assertEquals(1e-6, s.lr(3e-4, 99, 100), 1e-15);
        assertEquals((3e-4 + 1e-6) / 2, s.lr(3e-4, 0, 3) / 2 + s.lr(3e-4, 2, 3) / 2, 1e-15);
        assertEquals(3e-4, new TeacherTrainConfig.Schedule("constant", 0, 0).lr(3e-4, 50, 100), 0);
    }

    /**
     * train.precision=bf16 for the teacher (run in reference loops through the test hook where the
     * CPU has no bfloat16 kernels): recorded in run.json, the products really in bfloat16 (other
     * weights than float32's), and the end validation within 0.5 dB PSNR of float32's after 4 steps.
     */
    @Test
    void bf16TeacherTrainingIsRecordedAndTracksFloat32() throws Exception {
        SyntheticSet set = new SyntheticSet(4, 2, 16, 24);
        TeacherTrainer.Result f32 = train(tmp.resolve("f32"), false, tiny(), set);
        TeacherTrainer.Result b = org.kdrestore.common.SlowBf16.run(
                () -> train(tmp.resolve("bf16"), false, tiny("train.precision=bf16"), set));
        JsonNode run = Json.MAPPER.readTree(tmp.resolve("bf16").resolve("run.json").toFile());
        assertTrue(run.get("precision").asText().startsWith("bf16"), run.get("precision").asText());
        assertTrue(!f32.weightsSha256().equals(b.weightsSha256()), "bf16 products give other weights");
        assertEquals(f32.steps(), b.steps());
        assertEquals(f32.finalTeacher().psnr(), b.finalTeacher().psnr(), 0.5, "validation PSNR, float32 vs bf16");
    }
}
