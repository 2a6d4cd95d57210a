package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Mat;

class DatasetPreparerTest {
    @TempDir
    Path tmp;
    Path in;
    Path out;
    final DatasetPreparer preparer = new DatasetPreparer(PrepareConfig.DEFAULT);

    @BeforeEach
    void photos() throws IOException {
        in = Files.createDirectories(tmp.resolve("photos"));
        out = tmp.resolve("prepared");
        TestImages.writeFrame(in.resolve("alpha one.png"), 0);
        TestImages.writeFrame(in.resolve("beta.png"), 20);
        Files.writeString(in.resolve("README.txt"), "not a photo, ignored by extension");
    }

    private String sha(String rel) throws IOException {
        return Hashing.sha256(out.resolve(rel));
    }

    @Test
    void writesSharpAndDegradedQuadrantsWithAManifest() throws IOException {
        DatasetPreparer.Result r = preparer.prepare(in, out, false, true);
        assertEquals(2, r.photos());
        assertEquals(2, r.prepared());
        assertEquals(8, r.quadrants());
        Manifest m = DatasetPreparer.readManifest(out.resolve("manifest.json"));
        assertTrue(m.complete());
        assertEquals("alpha_one", m.photos().get(0).photo());
        assertEquals(Hashing.sha256(in.resolve("beta.png")), m.photos().get(1).sourceSha256());
        assertEquals(4, m.parameters().factor());
        assertEquals("area", m.parameters().down());
        assertEquals("cubic", m.parameters().up());

        Map<Quadrant, Mat> sharp = Quadrants.split(TestImages.frame(20));
        for (Quadrant q : Quadrant.values()) {
            Mat s = Images.readBgr8(out.resolve("sharp/beta_" + q.id() + ".png"));
            Mat d = Images.readBgr8(out.resolve("degraded/beta_" + q.id() + ".png"));
            assertEquals(0, DegradationTest.differingValues(sharp.get(q), s), "sharp " + q);
            assertEquals(0, DegradationTest.differingValues(Degradation.apply(sharp.get(q), DegradationConfig.DEFAULT), d), "degraded " + q);
        }
        Manifest.Entry e = m.photos().get(1).quadrants().get(3);
        assertEquals("beta_br", e.id());
        assertEquals(sha("degraded/beta_br.png"), e.degradedSha256());
    }

    @Test
    void rerunSkipsVerifiedWorkAndKeepsTheManifestIdentical() throws IOException {
        DatasetPreparer.Result first = preparer.prepare(in, out, false, true);
        DatasetPreparer.Result again = preparer.prepare(in, out, false, true);
        assertEquals(0, again.prepared());
        assertEquals(2, again.skipped());
        assertEquals(first.manifestSha256(), again.manifestSha256());
    }

    @Test
    void rerunRedoesAPhotoWhoseOutputWasDamaged() throws IOException {
        DatasetPreparer.Result first = preparer.prepare(in, out, false, true);
        String good = sha("sharp/beta_tl.png");
        Files.write(out.resolve("sharp/beta_tl.png"), new byte[] {1, 2, 3});
        DatasetPreparer.Result again = preparer.prepare(in, out, false, true);
        assertEquals(1, again.prepared());
        assertEquals(good, sha("sharp/beta_tl.png"));
        assertEquals(first.manifestSha256(), again.manifestSha256());
    }

    @Test
    void rerunRedoesAPhotoWhoseSourceChanged() throws IOException {
        preparer.prepare(in, out, false, true);
        String old = sha("degraded/beta_tl.png");
        TestImages.writeFrame(in.resolve("beta.png"), 40);
        DatasetPreparer.Result again = preparer.prepare(in, out, false, true);
        assertEquals(1, again.prepared());
        assertNotEquals(old, sha("degraded/beta_tl.png"));
    }

    @Test
    void interruptedRunIsNotTrustedAndIsFinishedByTheNextRun() throws IOException {
        preparer.prepare(in, out, false, true);
        String good = sha("degraded/beta_br.png");
        // Simulate a kill after beta's files were (half) written but before the manifest listed beta:
        Manifest m = DatasetPreparer.readManifest(out.resolve("manifest.json"));
        Json.writeFile(out.resolve("manifest.json"), new Manifest(m.format(), m.tool(), m.toolVersion(), m.opencv(), false,
                m.parameters(), List.of(m.photos().get(0))));
        Files.write(out.resolve("degraded/beta_br.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Files.write(out.resolve("degraded/.beta_br.123.tmp.png"), new byte[] {0});
        UserInputException e = assertThrows(UserInputException.class, () -> PreparedDataset.open(out));
        assertTrue(e.getMessage().contains("incomplete"), e.getMessage());

        DatasetPreparer.Result again = preparer.prepare(in, out, false, true);
        assertEquals(1, again.prepared());
        assertEquals(1, again.skipped());
        assertEquals(good, sha("degraded/beta_br.png"));
        assertFalse(Files.exists(out.resolve("degraded/.beta_br.123.tmp.png")));
        assertEquals(8, PreparedDataset.open(out).samples().size());
    }

    @Test
    void changedParametersAreRefusedUnlessOverwriteIsGiven() throws IOException {
        preparer.prepare(in, out, false, true);
        DatasetPreparer x2 = new DatasetPreparer(new PrepareConfig(FrameConfig.DEFAULT,
                new DegradationConfig(2, Interpolation.LINEAR, Interpolation.LINEAR)));
        String before = sha("manifest.json");
        UserInputException e = assertThrows(UserInputException.class, () -> x2.prepare(in, out, false, true));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("x2"), e.getMessage());
        assertEquals(before, sha("manifest.json"));
        DatasetPreparer.Result r = x2.prepare(in, out, true, true);
        assertEquals(2, r.prepared());
        assertEquals(2, PreparedDataset.open(out).degradation().factor());
    }

    @Test
    void aBadPhotoIsNamedAndTheExistingDatasetStaysUsable() throws IOException {
        preparer.prepare(in, out, false, true);
        String before = sha("manifest.json");
        Path bad = Files.write(in.resolve("gamma.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2});
        UserInputException e = assertThrows(UserInputException.class, () -> preparer.prepare(in, out, false, true));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertEquals(before, sha("manifest.json"));
        assertEquals(8, PreparedDataset.open(out).samples().size());
    }

    @Test
    void aSmallPhotoIsNamed() throws IOException {
        Path small = in.resolve("small.png");
        Images.write(small, TestImages.u8(1280, 720));
        UserInputException e = assertThrows(UserInputException.class, () -> preparer.prepare(in, out, false, true));
        assertTrue(e.getMessage().contains(small.toString()) && e.getMessage().contains("smaller"), e.getMessage());
        assertFalse(Files.exists(out.resolve("sharp")), "nothing written before every photo was checked");
    }

    @Test
    void missingEmptyOrFileInputFolderIsNamed() throws IOException {
        Path missing = tmp.resolve("nope");
        assertTrue(assertThrows(UserInputException.class, () -> preparer.prepare(missing, out, false, true))
                .getMessage().contains(missing.toString()));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(UserInputException.class, () -> preparer.prepare(empty, out, false, true))
                .getMessage().contains("no photos"));
        Path file = in.resolve("beta.png");
        assertTrue(assertThrows(UserInputException.class, () -> preparer.prepare(file, out, false, true))
                .getMessage().contains(file.toString()));
    }

    @Test
    void aForeignNonEmptyOutputFolderIsNotTouched() throws IOException {
        Files.createDirectories(out);
        Path mine = Files.writeString(out.resolve("thesis.tex"), "precious");
        UserInputException e = assertThrows(UserInputException.class, () -> preparer.prepare(in, out, false, true));
        assertTrue(e.getMessage().contains(out.toString()), e.getMessage());
        assertEquals("precious", Files.readString(mine));
        try (var s = Files.list(out)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void anOutputUnderAFileIsNamed() throws IOException {
        Path blocker = Files.writeString(tmp.resolve("blocker"), "x");
        Path o = blocker.resolve("ds");
        UserInputException e = assertThrows(UserInputException.class, () -> preparer.prepare(in, o, false, true));
        assertTrue(e.getMessage().contains("blocker"), e.getMessage());
    }

    @Test
    void anUnwritableOutputFolderIsNamed() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "root can write anywhere");
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        ro.toFile().setWritable(false);
        try {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> preparer.prepare(in, ro.resolve("ds"), false, true));
            assertTrue(e.getMessage().contains(ro.toString()), e.getMessage());
        } finally {
            ro.toFile().setWritable(true);
        }
    }

    @Test
    void twoPhotosWithTheSameStemAreRefused() throws IOException {
        TestImages.writeFrame(in.resolve("beta.jpg"), 0);
        UserInputException e = assertThrows(UserInputException.class, () -> preparer.prepare(in, out, false, true));
        assertTrue(e.getMessage().contains("beta.jpg") && e.getMessage().contains("beta.png"), e.getMessage());
    }

    @Test
    void degradeWritesTheFourQuadrantsAndOptionallyTheSharpOnes() throws IOException {
        Path d = tmp.resolve("deg");
        List<Path> files = preparer.degradePhoto(in.resolve("beta.png"), d, false);
        assertEquals(4, files.size());
        assertTrue(Files.exists(d.resolve("tl.png")) && Files.exists(d.resolve("br.png")));
        assertEquals(8, preparer.degradePhoto(in.resolve("beta.png"), d, true).size());
        Mat s = Images.readBgr8(d.resolve("tr_sharp.png"));
        assertEquals(0, DegradationTest.differingValues(Degradation.apply(s, DegradationConfig.DEFAULT), Images.readBgr8(d.resolve("tr.png"))));
    }

    @Test
    void stemsAreSanitised() {
        assertEquals("a_b_c", DatasetPreparer.stem(Path.of("a b/c.jpg").getFileName().resolveSibling("a b$c.jpg")));
        assertEquals("x.y-z", DatasetPreparer.stem(Path.of("x.y-z.png")));
    }
}
