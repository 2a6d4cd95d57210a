package org.kdrestore.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MedianRuleTest {
    @TempDir
    Path tmp;

    @Test
    void stopsATrialStrictlyWorseThanTheMedianOfTheOthersFromTheGivenEpochOn() {
        MedianRule max = new MedianRule(2, 2, true);
        assertFalse(max.shouldStop(1, 0.1, List.of(0.8, 0.9)), "before after_epochs");
        assertTrue(max.shouldStop(2, 0.1, List.of(0.8, 0.9)));
        assertFalse(max.shouldStop(2, 0.75, List.of(0.5, 1.0)), "equal to the median");
        assertFalse(max.shouldStop(2, 0.1, List.of(0.8)), "fewer than min_trials others");
        assertFalse(max.shouldStop(2, Double.NaN, List.of(0.8, 0.9)));
        MedianRule min = new MedianRule(1, 1, false);
        assertTrue(min.shouldStop(1, 0.5, List.of(0.1, 0.2, 0.9)));
        assertFalse(min.shouldStop(1, 0.15, List.of(0.1, 0.2, 0.9)));
        assertEquals(0.2, MedianRule.median(List.of(0.9, 0.1, 0.2)));
        assertEquals(0.5, MedianRule.median(List.of(0.9, 0.1, 0.2, 0.8)));
    }

    @Test
    void trialMetricsReadsEpochRowsAndIgnoresALineStillBeingWritten() throws IOException {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.csv"), "kind,epoch,global_step,loss,val_ssim\n"
                + "step,1,1,0.5,\nepoch,1,2,0.45,0.61\nstep,2,3,0.4,\nepoch,2,4,0.35,0.7");
        TrialMetrics m = TrialMetrics.read(run);
        assertEquals(1, m.epochCount(), "the unterminated last line is not read");
        assertEquals(0.61, m.lastValue("val_ssim"));
        assertEquals(0.45, m.at(1, "loss"));
        assertTrue(Double.isNaN(m.at(2, "loss")));
        assertEquals(0, TrialMetrics.read(tmp.resolve("none")).epochCount());
    }
}
