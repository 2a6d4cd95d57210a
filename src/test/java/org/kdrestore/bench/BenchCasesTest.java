package org.kdrestore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.UserInputException;

class BenchCasesTest {
    @Test
    void everyCaseOfTheIssueIsRegisteredUnderItsName() {
        assertEquals(List.of("matmul-4096", "train-step", "teacher-train-step", "student-1080p", "teacher-tiny-256", "teacher-compact-540x960",
                "teacher-full-540x960",
                "teacher-full-540x960-tiled", "ssim-1080p", "teacher-cache", "teacher-cache-spark-1", "teacher-cache-spark-2"),
                List.copyOf(BenchMain.cases().keySet()));
        for (var e : BenchMain.cases().entrySet()) {
            assertEquals(e.getKey(), e.getValue().get().name());
        }
    }

    @Test
    void flopCountsFollowTheLayerShapes() {
        // 2·4096³
        assertEquals(137_438_953_472.0, new MatmulPeak().flops());
        // student 1080p: 2·9·(3·64 + 3·64)·1080·1920 + 2·9·64·64·540·960 = 52,553,318,400
        assertEquals(52_553_318_400.0, new StudentInferenceCase().flops());
        // train step: 3 × student(8×256²) + 4 × VGG-to-relu2_2(8×256²)
        //   student(1×256²) = 2·9·(3·64 + 64·3)·65536 + 2·9·64·64·16384 = 452,984,832 + 1,207,959,552
        //   vgg(1×256²)     = 2·9·(3·64 + 64·64)·65536 + 2·9·(64·128 + 128·128)·16384 = 5,058,330,624 + 7,247,757,312
        double student = 452_984_832.0 + 1_207_959_552.0;
        double vgg = 5_058_330_624.0 + 7_247_757_312.0;
        assertEquals(8 * (3 * student + 4 * vgg), new TrainStepCase().flops());
        // tiled 540×960 in 256² tiles at overlap 32: rows start 0, 224, 284; columns 0, 224, 448, 672, 704 -> 15 tiles
        // and one 256² tile of the full model is 309,764,063,232 (FlopsTest, from upstream's modules)
        assertEquals(15 * 309_764_063_232.0, TeacherCase.full540x960Tiled().flops());
    }

    @Test
    void measuringACaseGivesOrderedTimesAndThePeakRss() throws Exception {
        BenchCase tiny = new BenchCase() {
            @Override
            public String name() {
                return "tiny";
            }

            @Override
            public String description() {
                return "a 64x64 matmul";
            }

            @Override
            public double flops() {
                return 2.0 * 64 * 64 * 64;
            }

            @Override
            public void setUp(NDManager manager) {}

            @Override
            public void run(NDManager manager) {
                manager.randomNormal(new ai.djl.ndarray.types.Shape(64, 64)).matMul(manager.ones(new ai.djl.ndarray.types.Shape(64, 64)))
                        .getFloat(0, 0);
            }
        };
        BenchResult r = BenchMain.measure(tiny, 1, 3);
        assertEquals(3, r.repeats());
        assertTrue(r.minS() <= r.medianS() && r.medianS() <= r.maxS(), r.toString());
        assertTrue(r.peakRssBytes() > 0, r.toString());
        assertEquals(r.flops() / r.medianS() / 1e9, r.gflopsAtMedian(), 1e-9);
        assertEquals("djl", r.impl());
    }

    /** A training case under --precision bf16 runs inside a bfloat16 scope and says so in its name; other cases do not. */
    @Test
    void bf16AppliesToTrainingCasesOnly() throws Exception {
        boolean[] seen = new boolean[2];
        for (boolean trains : new boolean[] {true, false}) {
            BenchCase c = new BenchCase() {
                @Override
                public String name() {
                    return "probe";
                }

                @Override
                public String description() {
                    return "records whether bfloat16 products are on";
                }

                @Override
                public boolean trains() {
                    return trains;
                }

                @Override
                public void setUp(NDManager manager) {}

                @Override
                public void run(NDManager manager) {
                    seen[trains ? 0 : 1] = org.kdrestore.common.Bf16.active();
                }
            };
            BenchResult r = BenchMain.measure(c, 0, 1, true);
            assertEquals(trains ? "probe bf16" : "probe", r.name());
        }
        assertTrue(seen[0], "a training case runs in bf16");
        assertTrue(!seen[1], "an inference case does not");
        assertTrue(!org.kdrestore.common.Bf16.active(), "the scope is closed after the case");
    }

    /** The teacher's training step runs: loss, backward and Adam on the compact architecture. */
    @Test
    void teacherTrainStepCaseRuns() throws Exception {
        TeacherTrainStepCase c = new TeacherTrainStepCase();
        assertTrue(c.trains());
        BenchResult r = BenchMain.measure(c, 0, 1);
        assertEquals("teacher-train-step", r.name());
        assertTrue(r.medianS() > 0 && r.flops() > 0, r.toString());
    }

    @Test
    void teacherTinyCaseRunsThroughTheInference() throws Exception {
        BenchResult r = BenchMain.measure(TeacherCase.tiny256(), 0, 1);
        assertEquals("teacher-tiny-256", r.name());
        assertEquals(2_776_113_152.0, r.flops());
    }

    @Test
    void comparisonTableGivesTheTimeRatioAndSaysWhyATorchFigureIsMissing() {
        BenchResult ours = new BenchResult("student-1080p", "d", 3, 1, 2, 3, 100 << 20, 10e9, 5, "cpu()", 2, "djl", 4);
        BenchResult torch = new BenchResult("student-1080p", "d", 3, 3, 4, 5, 200 << 20, 10e9, 2.5, "cpu", 2, "torch", 8);
        var row = new BenchRunner.Comparison("student-1080p", ours, torch, null);
        assertEquals(0.5, row.timeRatio());
        assertEquals(0.5, row.rssRatio());
        var missing = new BenchRunner.Comparison("teacher-full-540x960", ours, null, "stopped after 600 s (timeout)");
        assertTrue(Double.isNaN(missing.timeRatio()));
        String table = BenchRunner.comparisonTable(List.of(row, missing));
        assertTrue(table.contains(" 0.50 "), table);
        assertTrue(table.contains("torch: stopped after 600 s (timeout)"), table);
    }

    @Test
    void torchRunnerSkipsTeacherCasesWithoutRestormerSourcesAndRefusesAWrongFolder() throws Exception {
        TorchRunner r = new TorchRunner("/usr/bin/python3", Path.of("tools/bench_torch.py"), null, 2, 10);
        TorchRunner.Outcome o = r.run("teacher-tiny-256", 0, 1);
        assertNull(o.result());
        assertTrue(o.note().contains("--restormer-src"), o.note());
        UserInputException e = assertThrows(UserInputException.class,
                () -> new TorchRunner("/usr/bin/python3", Path.of("tools/bench_torch.py"), Path.of("src"), 2, 10));
        assertTrue(e.getMessage().contains("src"), e.getMessage());
    }
}
