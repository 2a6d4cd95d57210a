package org.kdrestore.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.data.PreparedDataset;

class PreparedTrainingSetTest {
    @TempDir
    Path tmp;

    PreparedTrainingSet set() throws Exception {
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(Path.of("data-sample", "Grey.jpg"), photos.resolve("Grey.jpg"));
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(photos, tmp.resolve("prepared"), false, true);
        return new PreparedTrainingSet(PreparedDataset.open(tmp.resolve("prepared")), 0, 0, null);
    }

    /** The decoded images are kept: a second load returns the same planes, equal to a fresh decode of the file. */
    @Test
    void decodedImagesAreKeptAndEqualAFreshDecode() throws Exception {
        PreparedTrainingSet set = set();
        String id = set.trainIds().get(0);
        TrainingSet.Sample first = set.load(id, false);
        TrainingSet.Sample again = set.load(id, false);
        assertSame(first.degraded(), again.degraded());
        assertSame(first.sharp(), again.sharp());
        org.kdrestore.data.Sample s = set.dataset().samples().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        assertArrayEquals(PreparedTrainingSet.read(s.degraded()).chw(), again.degraded().chw());
        assertArrayEquals(PreparedTrainingSet.read(s.sharp()).chw(), again.sharp().chw());
        assertEquals(2L * 4 * 3 * 540 * 960, set.decodedBytes());
    }

    /** Within the budget, least recently used first out: with room for three images, the fourth pushes out the oldest. */
    @Test
    void theBudgetDropsTheLeastRecentlyUsed() throws Exception {
        PreparedTrainingSet set = set();
        long image = 4L * 3 * 540 * 960;
        set.decodedBudget(3 * image);
        List<String> ids = set.trainIds();
        TrainingSet.Sample a = set.load(ids.get(0), false); // 2 images kept
        set.load(ids.get(1), false); // 4 > 3: a's degraded image (oldest) dropped
        assertTrue(set.decodedBytes() <= 3 * image, "within the budget: " + set.decodedBytes());
        TrainingSet.Sample a2 = set.load(ids.get(0), false);
        assertNotSame(a.degraded(), a2.degraded(), "the oldest was decoded again");
        assertArrayEquals(a.degraded().chw(), a2.degraded().chw());
        assertTrue(set.decodedBytes() <= 3 * image);
    }
}
