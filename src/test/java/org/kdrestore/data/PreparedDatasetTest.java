package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;

class PreparedDatasetTest {
    @TempDir
    static Path tmp;
    static Path ds;

    /** Five photos: the same test card with five tints. */
    @BeforeAll
    static void prepare() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (int i = 0; i < 5; i++) {
            TestImages.writeFrame(in.resolve("p" + i + ".png"), 10 * i);
        }
        ds = tmp.resolve("ds");
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(in, ds, false, true);
    }

    /** A copy of the dataset that a test may damage. */
    private static Path copy(String name) throws IOException {
        Path c = tmp.resolve(name);
        try (var s = Files.walk(ds)) {
            for (Path p : s.toList()) {
                Files.copy(p, c.resolve(ds.relativize(p).toString()));
            }
        }
        return c;
    }

    @Test
    void samplesListEveryQuadrantWithItsPhotoAndFiles() throws IOException {
        PreparedDataset d = PreparedDataset.open(ds);
        assertEquals(20, d.samples().size());
        Sample s = d.samples().get(1);
        assertEquals("p0_tr", s.id());
        assertEquals("p0", s.photo());
        assertEquals("tr", s.quadrant());
        assertEquals(ds.resolve("sharp/p0_tr.png"), s.sharp());
        assertEquals(ds.resolve("degraded/p0_tr.png"), s.degraded());
        assertEquals(Hashing.sha256(ds.resolve("manifest.json")), d.manifestSha256());
        assertEquals(List.of("p0", "p1", "p2", "p3", "p4"), d.photos());
        assertEquals(DegradationConfig.DEFAULT, d.degradation());
    }

    @Test
    void splitIsByPhotoSoNoPhotoIsOnBothSides() {
        PreparedDataset d = PreparedDataset.open(ds, false);
        PreparedDataset.Split s = d.split(2, 7L);
        Set<String> train = s.train().stream().map(Sample::photo).collect(Collectors.toSet());
        Set<String> val = s.val().stream().map(Sample::photo).collect(Collectors.toSet());
        assertEquals(2, val.size());
        assertEquals(3, train.size());
        assertTrue(train.stream().noneMatch(val::contains));
        assertEquals(8, s.val().size());
        assertEquals(12, s.train().size());
    }

    @Test
    void splitIsDeterministicForASeedAndDependsOnIt() {
        PreparedDataset d = PreparedDataset.open(ds, false);
        assertEquals(d.split(1, 42L), d.split(1, 42L));
        Set<String> firsts = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            firsts.add(d.split(1, seed).val().get(0).photo());
        }
        assertTrue(firsts.size() > 1, "different seeds should pick different validation photos");
    }

    @Test
    void fractionSplitRoundsToWholePhotosAndKeepsOneForTraining() {
        PreparedDataset d = PreparedDataset.open(ds, false);
        assertEquals(4, d.split(0.2, 1L).val().size()); // 1 photo
        assertEquals(4, d.split(0.01, 1L).val().size()); // at least 1 photo
        assertEquals(0, d.split(0.0, 1L).val().size());
        assertEquals(16, d.split(0.99, 1L).val().size()); // at most 4 of 5 photos
        assertThrows(UserInputException.class, () -> d.split(1.0, 1L));
        assertThrows(UserInputException.class, () -> d.split(5, 1L));
    }

    @Test
    void emptyOrMissingFolderIsAClearError() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        UserInputException e = assertThrows(UserInputException.class, () -> PreparedDataset.open(empty));
        assertTrue(e.getMessage().contains("manifest.json") && e.getMessage().contains(empty.toString()), e.getMessage());
        Path missing = tmp.resolve("missing");
        assertTrue(assertThrows(UserInputException.class, () -> PreparedDataset.open(missing)).getMessage()
                .contains(missing.toString()));
    }

    @Test
    void missingFileIsNamed() throws IOException {
        Path c = copy("c1");
        Files.delete(c.resolve("degraded/p3_bl.png"));
        UserInputException e = assertThrows(UserInputException.class, () -> PreparedDataset.open(c, false));
        assertTrue(e.getMessage().contains("p3_bl.png") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void corruptFileIsNamed() throws IOException {
        Path c = copy("c2");
        Path f = c.resolve("sharp/p2_tl.png");
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 1;
        Files.write(f, b);
        UserInputException e = assertThrows(UserInputException.class, () -> PreparedDataset.open(c));
        assertTrue(e.getMessage().contains("p2_tl.png") && e.getMessage().contains("corrupt"), e.getMessage());
        PreparedDataset.open(c, false); // existence-only check passes
    }

    @Test
    void corruptManifestIsNamed() throws IOException {
        Path c = copy("c3");
        Files.writeString(c.resolve("manifest.json"), "{ \"format\": ");
        UserInputException e = assertThrows(UserInputException.class, () -> PreparedDataset.open(c));
        assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
        Files.writeString(c.resolve("manifest.json"), "{\"format\": \"something-else\"}");
        assertThrows(UserInputException.class, () -> PreparedDataset.open(c));
    }

    @Test
    void differentDatasetsHaveDifferentManifestHashes() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in2"));
        TestImages.writeFrame(in.resolve("p0.png"), 0);
        TestImages.writeFrame(in.resolve("p1.png"), 5);
        Path other = tmp.resolve("ds2");
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(in, other, false, true);
        assertNotEquals(PreparedDataset.open(ds).manifestSha256(), PreparedDataset.open(other).manifestSha256());
    }
}
