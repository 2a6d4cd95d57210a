package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Json;
import org.kdrestore.data.Images;
import org.kdrestore.data.PreparedDataset;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

class DataCommandsTest {
    @TempDir
    Path tmp;

    private Path photo(String name, int w, int h) throws IOException {
        Mat card = Images.readBgr8(Path.of("src/test/resources/fixtures/data/synthetic.png"));
        Mat big = new Mat();
        Imgproc.resize(card, big, new Size(w, h), 0, 0, Imgproc.INTER_LINEAR);
        Path p = tmp.resolve("in").resolve(name);
        Images.write(p, big);
        return p;
    }

    @Test
    void degradeWritesQuadrantsAndSharpCopies() throws IOException {
        Path in = photo("a.jpg", 2560, 1440);
        Path out = tmp.resolve("deg");
        KdRestoreTest.Result r = KdRestoreTest.run("degrade", "--input", in.toString(), "--output-dir", out.toString(),
                "--factor", "2", "--down", "linear", "--up", "linear", "--sharp", "--npy", "--json");
        assertEquals(0, r.code, r.err);
        for (String q : new String[] {"tl", "tr", "bl", "br"}) {
            assertTrue(Files.exists(out.resolve(q + ".png")), q);
            assertTrue(Files.exists(out.resolve(q + "_sharp.png")), q);
        }
        // the .npy holds exactly the PNG's pixels / 255, RGB planes
        float[] npy = org.kdrestore.data.Npy.readArray(out.resolve("br.npy")).floats();
        assertEquals(3 * 540 * 960, npy.length);
        Mat png = Images.readBgr8(out.resolve("br.png"));
        double[] px = png.get(17, 33);
        assertEquals((float) (px[2] / 255.0), npy[17 * 960 + 33], 0f);
        assertEquals((float) (px[0] / 255.0), npy[2 * 540 * 960 + 17 * 960 + 33], 0f);
    }

    @Test
    void prepareBuildsADatasetAndReportsJson() throws IOException {
        photo("a.png", 1920, 1080);
        photo("b.png", 3840, 2400);
        Path out = tmp.resolve("ds");
        KdRestoreTest.Result r = KdRestoreTest.run("prepare", "--input", tmp.resolve("in").toString(),
                "--output", out.toString(), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = Json.MAPPER.readTree(r.out);
        assertEquals(2, j.get("photos").asInt());
        assertEquals(8, j.get("quadrants").asInt());
        assertEquals(PreparedDataset.open(out).manifestSha256(), j.get("manifest_sha256").asText());
    }

    @Test
    void badInputsExitWithTwoAndNameTheProblem() throws IOException {
        Path missing = tmp.resolve("missing.jpg");
        KdRestoreTest.Result r = KdRestoreTest.run("degrade", "--input", missing.toString(), "--output-dir", tmp.resolve("o").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains(missing.toString()), r.err);

        Path in = photo("a.png", 1920, 1080);
        r = KdRestoreTest.run("degrade", "--input", in.toString(), "--output-dir", tmp.resolve("o").toString(), "--factor", "7");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("factor 7"), r.err);

        r = KdRestoreTest.run("degrade", "--input", in.toString(), "--output-dir", tmp.resolve("o").toString(), "--down", "bilinear");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("bilinear"), r.err);

        Path small = photo("small.png", 640, 360);
        r = KdRestoreTest.run("prepare", "--input", small.getParent().toString(), "--output", tmp.resolve("ds").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("small.png"), r.err);
    }

    @Test
    void helpListsTheDataCommands() {
        KdRestoreTest.Result r = KdRestoreTest.run("--help");
        assertTrue(r.out.contains("degrade") && r.out.contains("prepare") && r.out.contains("data"), r.out);
        assertEquals(0, KdRestoreTest.run("data", "photos", "--help").code);
    }

    @Test
    void dataPhotosDefaultsToThePlasmaSource() throws IOException {
        Path root = tmp.resolve("wallpapers");
        Path images = Files.createDirectories(root.resolve("Lake/contents/images"));
        Files.writeString(root.resolve("Lake/metadata.json"),
                "{\"KPlugin\": {\"Name\": \"Lake View\", \"Authors\": [{\"Name\": \"Ann Author\"}], \"License\": \"LGPLv3\"}}");
        Files.copy(photo("a.png", 2560, 1600), images.resolve("2560x1600.png"));
        Path byDefault = tmp.resolve("default");
        Path plasma = tmp.resolve("plasma");
        KdRestoreTest.Result r = KdRestoreTest.run("data", "photos", "--output", byDefault.toString(), "--wallpapers", root.toString());
        assertEquals(0, r.code, r.err);
        r = KdRestoreTest.run("data", "photos", "--source", "plasma", "--output", plasma.toString(), "--wallpapers", root.toString());
        assertEquals(0, r.code, r.err);
        for (String f : new String[] {"Lake.jpg", "LICENSES.md"}) {
            assertArrayEquals(Files.readAllBytes(plasma.resolve(f)), Files.readAllBytes(byDefault.resolve(f)), f);
        }
        String lic = Files.readString(byDefault.resolve("LICENSES.md"));
        assertTrue(lic.contains("| Lake.jpg | Lake View (`Lake`) | Ann Author | LGPLv3 | 2560x1600.png, 2560x1600 |"), lic);
    }

    @Test
    void dataPhotosNamesABadSourceOrMissingLomiriPackages() throws IOException {
        KdRestoreTest.Result r = KdRestoreTest.run("data", "photos", "--source", "gnome", "--output", tmp.resolve("p").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("unknown source 'gnome'"), r.err);

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        r = KdRestoreTest.run("data", "photos", "--source", "lomiri", "--output", tmp.resolve("p").toString(),
                "--backgrounds", empty.toString(), "--docs", empty.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("lomiri-wallpapers-16.04 is not installed")
                && r.err.contains("apt-get install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04"), r.err);
        assertFalse(Files.exists(tmp.resolve("p")), "nothing is written before the photos are found");
    }

    @Test
    void dataPhotosWithAMissingWallpaperFolderIsNamed() {
        Path none = tmp.resolve("no-wallpapers");
        KdRestoreTest.Result r = KdRestoreTest.run("data", "photos", "--output", tmp.resolve("p").toString(),
                "--wallpapers", none.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains(none.toString()), r.err);
    }
}
