package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.StudentConfig;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    static String error(Runnable r) {
        return assertThrows(UserInputException.class, r::run).getMessage();
    }

    @Test
    void seedPresetIsTheSeedRecipe() {
        TrainConfig c = ConfigLoader.load("seed", List.of());
        assertEquals(TrainConfig.seed(), c);
        assertEquals(32, c.train().batchSize());
        assertEquals(10, c.train().epochs());
        assertEquals(1e-4, c.train().lr());
        assertEquals(0, c.train().crop());
        assertEquals(StudentConfig.seed(), c.student().resolve());
    }

    @Test
    void quickPresetCropsAndCapsSteps() {
        TrainConfig c = ConfigLoader.load("quick", List.of());
        assertEquals(128, c.train().crop());
        assertTrue(c.train().maxSteps() > 0 && c.train().maxSteps() <= 300);
        assertEquals(1e-3, c.train().lr());
    }

    @Test
    void setOverridesAnyKeyWithTypedValues() {
        TrainConfig c = ConfigLoader.load("seed", List.of("train.lr=1e-3", "train.batch_size=4", "train.flips=true",
                "student.preset=seed-fixed", "student.width=16", "loss.gt_vgg=0", "loss.vgg_layers=relu2_2"));
        assertEquals(List.of("relu2_2"), c.loss().vggLayers());
        assertEquals(1e-3, c.train().lr());
        assertEquals(4, c.train().batchSize());
        assertTrue(c.train().flips());
        assertEquals(new StudentConfig(16, 1, "nearest", false, false), c.student().resolve());
        assertFalse(c.loss().gtVgg() > 0);
    }

    @Test
    void yamlFileOverlaysTheDefaultsAndReadsExponentNumbers() throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "train:\n  lr: 1e-3\n  epochs: 2\nstudent:\n  upsample: bilinear\n");
        TrainConfig c = ConfigLoader.load(f.toString(), List.of());
        assertEquals(1e-3, c.train().lr());
        assertEquals(2, c.train().epochs());
        assertEquals(32, c.train().batchSize());
        assertEquals("bilinear", c.student().resolve().upsample());
    }

    @Test
    void unknownKeyIsAnErrorNamingTheKeyAndSource() throws Exception {
        assertTrue(error(() -> ConfigLoader.load("seed", List.of("train.lrr=1"))).contains("'train.lrr'"));
        assertTrue(error(() -> ConfigLoader.load("seed", List.of("nope.x=1"))).contains("'nope.x'"));
        Path f = tmp.resolve("bad.yaml");
        Files.writeString(f, "train:\n  batch: 4\n");
        String m = error(() -> ConfigLoader.load(f.toString(), List.of()));
        assertTrue(m.contains("'train.batch'") && m.contains(f.toString()) && m.contains("train.batch_size"), m);
    }

    @Test
    void wrongTypeIsAnErrorNamingTheKeyAndValue() throws Exception {
        String m = error(() -> ConfigLoader.load("seed", List.of("train.batch_size=big")));
        assertTrue(m.contains("train.batch_size") && m.contains("big"), m);
        m = error(() -> ConfigLoader.load("seed", List.of("train.epochs=2.5")));
        assertTrue(m.contains("train.epochs"), m);
        Path f = tmp.resolve("t.yaml");
        Files.writeString(f, "train:\n  flips: sometimes\n");
        m = error(() -> ConfigLoader.load(f.toString(), List.of()));
        assertTrue(m.contains("train.flips") && m.contains("sometimes"), m);
        m = error(() -> ConfigLoader.load("seed", List.of("train.lr=-1")));
        assertTrue(m.contains("train.lr"), m);
    }

    @Test
    void missingConfigFileOrPresetIsNamed() {
        String m = error(() -> ConfigLoader.load("no/such.yaml", List.of()));
        assertTrue(m.contains("no/such.yaml") && m.contains("seed"), m);
    }

    @Test
    void resolvedConfigRoundTripsThroughItsTree() {
        TrainConfig c = ConfigLoader.load("quick", List.of("student.depth=2"));
        assertEquals(c, ConfigLoader.fromTree(ConfigLoader.toTree(c), "run.json"));
        assertTrue(ConfigLoader.keys().contains("train.checkpoint_every"));
    }
}
