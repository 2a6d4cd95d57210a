package org.kdrestore.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;
import org.kdrestore.infer.TeacherResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalkthroughTest {
    @TempDir
    Path tmp;

    private Path fakeHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.createDirectories(home.resolve("data-sample"));
        Files.writeString(home.resolve("pom.xml"), "<project/>");
        return home;
    }

    @Test
    void unknownProfileIsRefusedNamingIt() throws Exception {
        UserInputException e = assertThrows(UserInputException.class, () -> Walkthrough.of(fakeHome(), "fast"));
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());
    }

    @Test
    void homeWithoutDataSampleIsRefused() {
        UserInputException e = assertThrows(UserInputException.class, () -> Walkthrough.of(tmp, "quick"));
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    }

    @Test
    void homeIsFoundFromASubfolderAndWorkIsUnderIt() throws Exception {
        Path home = fakeHome();
        Path nb = Files.createDirectories(home.resolve("notebooks"));
        assertEquals(home, org.kdrestore.common.Checkout.find(nb).orElseThrow());
        Walkthrough w = Walkthrough.of(home, "full");
        assertFalse(w.quick());
        assertEquals(home.resolve("work").resolve("notebooks"), w.work());
    }

    @Test
    void freshRunEmptiesOnlyItsOwnFolderAndRejectsPaths() throws Exception {
        Walkthrough w = Walkthrough.of(fakeHome(), "quick");
        Path run = w.freshRun("a");
        Files.writeString(run.resolve("old.txt"), "x");
        Path other = w.freshRun("b");
        Files.writeString(other.resolve("keep.txt"), "y");
        assertFalse(Files.exists(w.freshRun("a").resolve("old.txt")));
        assertTrue(Files.exists(other.resolve("keep.txt")));
        assertThrows(UserInputException.class, () -> w.freshRun("../x"));
        assertThrows(UserInputException.class, () -> w.freshRun(""));
    }

    /** The notebooks' teacher is the one demo resolves: in a checkout without official weights, the shipped trained teacher. */
    @Test
    void theNotebooksTeacherIsTheShippedTrainedOne() throws Exception {
        Walkthrough w = Walkthrough.of(Path.of(""), "quick");
        TeacherResolver.Resolved t = w.teacher();
        TeacherResolver.Resolved demo = TeacherResolver.resolve(w.home(), TeacherResolver.defaultCache());
        assertEquals(demo.sha256(), t.sha256());
        if (t.kind() == TeacherResolver.Kind.COMPACT) {
            assertEquals(w.home().resolve("models/restormer-s/restormer-s.safetensors"), t.weights());
        }
    }

    @Test
    void sweepChartHasOneSortedLinePerValueOfTheSecondKey() {
        tech.tablesaw.api.Table t = tech.tablesaw.api.Table.create("s",
                tech.tablesaw.api.StringColumn.create("train.lr", java.util.List.of("0.003", "0.0003", "0.003", "0.0003")),
                tech.tablesaw.api.StringColumn.create("loss.teacher_l1", java.util.List.of("0.0", "0.0", "0.5", "0.5")),
                tech.tablesaw.api.DoubleColumn.create("val SSIM", new double[] {0.8, 0.7, 0.6, 0.5}));
        var c = Walkthrough.sweepChart(t, "train.lr", "loss.teacher_l1", "val SSIM");
        assertEquals(2, c.getSeriesMap().size());
        var s0 = c.getSeriesMap().get("loss.teacher_l1=0.0");
        assertEquals(0.0003, s0.getXData()[0], 1e-12);
        assertEquals(0.7, s0.getYData()[0], 1e-12);
        assertEquals(0.8, s0.getYData()[1], 1e-12);
        assertTrue(c.getStyler().isXAxisLogarithmic());
    }

    @Test
    void curvesStackLossAndValidationChartsFromMetricsCsv() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("metrics.csv"), "kind,epoch,global_step,loss,gt_l1,val_ssim\n"
                + "step,1,1,0.9,0.3,\nstep,1,2,0.8,0.25,\nepoch,1,2,0.85,0.27,0.71\n");
        var img = Walkthrough.curves(run);
        assertEquals(900, img.getWidth());
        assertEquals(900, img.getHeight());
    }
}
