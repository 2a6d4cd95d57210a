package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;

/**
 * Training is a function of its config and data on the CPU: the same steps run twice in one JVM
 * and once in a fresh JVM end with bit-identical weights, optimizer state and logged losses. (On
 * the machine where libtorch's oneDNN returned input gradients read from unzeroed memory, these
 * runs differed from each other and sometimes turned NaN.) A NaN gradient stops training with
 * the parameter named.
 */
class DeterminismTest {
    @TempDir
    Path tmp;

    private static void assertSameRun(Path a, Path b, String what) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Checkpoint.Loaded ca = Checkpoint.read(a.resolve("student.ckpt"), m);
            Checkpoint.Loaded cb = Checkpoint.read(b.resolve("student.ckpt"), m);
            assertEquals(ca.model().keySet(), cb.model().keySet());
            for (String k : ca.model().keySet()) {
                assertArrayEquals(ca.model().get(k).toFloatArray(), cb.model().get(k).toFloatArray(), 0f, what + ": " + k);
            }
            for (String k : ca.optimizer().keySet()) {
                assertArrayEquals(ca.optimizer().get(k).toFloatArray(), cb.optimizer().get(k).toFloatArray(), 0f, what + ": " + k);
            }
        }
        assertEquals(lossColumn(a), lossColumn(b), what + ": metrics.csv losses");
    }

    private static List<String> lossColumn(Path run) throws Exception {
        int loss = MetricsLog.COLUMNS.indexOf("loss");
        return Files.readAllLines(run.resolve("metrics.csv")).stream().skip(1).map(l -> l.split(",", -1)[loss]).toList();
    }

    @Test
    void theSameStepsTwiceInOneJvmAndOnceInAFreshJvmGiveBitIdenticalWeights() throws Exception {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        Path fresh = tmp.resolve("fresh");
        TrainerTest.train(first, false);
        TrainerTest.train(second, false);
        List<String> child = KillResumeTest.javaCommand();
        child.add(fresh.toString());
        KillResumeTest.finish(KillResumeTest.start(child));
        assertSameRun(first, second, "second run in the same JVM");
        assertSameRun(first, fresh, "run in a fresh JVM");
    }

    @Test
    void teacherTrainingTwiceInOneJvmGivesBitIdenticalWeights() throws Exception {
        TeacherTrainConfig cfg = TeacherTrainerTest.tiny();
        TeacherTrainer.Result a = TeacherTrainerTest.train(tmp.resolve("a"), false, cfg, new SyntheticSet(4, 2, 16, 24));
        TeacherTrainer.Result b = TeacherTrainerTest.train(tmp.resolve("b"), false, cfg, new SyntheticSet(4, 2, 16, 24));
        assertTrue(a.steps() > 0);
        assertEquals(a.weightsSha256(), b.weightsSha256(), "restormer.safetensors of two identical runs");
    }

    @Test
    void aNanGradientStopsTheOptimizerWithTheParameterNamedAndNothingUpdated() {
        try (NDManager m = Engines.newManager()) {
            StudentCnn net = StudentCnn.create(new StudentConfig(8, 1, "nearest", false, true), m, 1);
            try (Adam adam = new Adam(net.namedParameters(), Adam.Settings.of(1e-3))) {
                NDArray x = m.randomUniform(0f, 1f, new ai.djl.ndarray.types.Shape(2, 3, 8, 8));
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    NDArray y = net.forward(new ai.djl.training.ParameterStore(m, false), new ai.djl.ndarray.NDList(x), true)
                            .singletonOrThrow();
                    // sqrt of a negative number: NaN in the loss, NaN in every gradient beneath the last conv's output
                    gc.backward(y.sub(1.5f).sqrt().sum());
                }
                Map<String, float[]> before = new java.util.LinkedHashMap<>();
                net.namedParameters().forEach((k, p) -> before.put(k, p.getArray().toFloatArray()));
                IllegalStateException e = assertThrows(IllegalStateException.class, adam::step);
                assertTrue(e.getMessage().contains("decoder.1.weight (NaN)"), e.getMessage());
                assertTrue(e.getMessage().contains("no parameter was updated"), e.getMessage());
                net.namedParameters().forEach((k, p) -> assertArrayEquals(before.get(k), p.getArray().toFloatArray(), 0f, k));
                assertEquals(0, adam.stepCount());
            }
        }
    }
}
