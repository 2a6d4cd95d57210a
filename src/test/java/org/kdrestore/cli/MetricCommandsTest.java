package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.metric.Fixtures;
import org.kdrestore.model.Vgg16FeaturesTestAccess;

/** The metric, loss and vgg commands end to end on npy files made from the golden fixtures. */
class MetricCommandsTest {
    static NDManager manager;
    static Fixtures pairs;
    static Fixtures vggFx;
    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws Exception {
        manager = Engines.newManager();
        pairs = new Fixtures(manager, "ssim_pairs.npz");
        vggFx = new Fixtures(manager, "vgg16.npz");
        ArrayFiles.writeNpy(dir.resolve("big_x.npy"), pairs.image("big_x").squeeze(0));
        ArrayFiles.writeNpy(dir.resolve("big_y.npy"), pairs.image("big_y").squeeze(0));
        ArrayFiles.writeNpy(dir.resolve("batch_x.npy"), pairs.image("batch_x"));
        ArrayFiles.writeNpy(dir.resolve("batch_y.npy"), pairs.image("batch_y"));
        ArrayFiles.writeNpy(dir.resolve("vin.npy"), vggFx.image("input"));
        NDList sd = new NDList();
        for (Map.Entry<String, NDArray> e : Vgg16FeaturesTestAccess.stateDict(vggFx).entrySet()) {
            NDArray a = e.getValue().duplicate();
            a.setName(e.getKey());
            sd.add(a);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve("vgg.npz"))) {
            sd.encode(out, NDList.Encoding.NPZ);
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Runs the CLI capturing System.out (commands print through JsonOption). */
    static KdRestoreTest.Result run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            KdRestoreTest.Result r = KdRestoreTest.run(args);
            r.out = buf.toString(StandardCharsets.UTF_8) + r.out;
            return r;
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void metricJsonGivesGoldenSsimMsSsimPsnrAndTheDefinition() throws Exception {
        KdRestoreTest.Result r = run("metric", "--x", dir.resolve("big_x.npy").toString(), "--y",
                dir.resolve("big_y.npy").toString(), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = Json.MAPPER.readTree(r.out);
        assertEquals(pairs.scalar("big_ssim"), j.get("ssim").asDouble(), 1e-5);
        assertEquals(3, j.get("ssim_per_channel").size());
        assertEquals(pairs.scalar("big_ms_ssim"), j.get("ms_ssim").asDouble(), 1e-5);
        assertEquals(pairs.doubles("big_psnr")[0], j.get("psnr").asDouble(), 1e-3);
        assertEquals(1.0, j.get("definition").get("data_range").asDouble());
        assertEquals("pytorch-msssim", j.get("definition").get("name").asText());
    }

    @Test
    void metricOnABatchWithSkimageDefinitionReportsNullMsSsimWithTheReason() throws Exception {
        KdRestoreTest.Result r = run("metric", "--x", dir.resolve("batch_x.npy").toString(), "--y",
                dir.resolve("batch_y.npy").toString(), "--definition", "skimage", "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = Json.MAPPER.readTree(r.out);
        assertTrue(j.get("ms_ssim").isNull());
        assertTrue(j.get("ms_ssim_reason").asText().contains("160"));
        double[] sk = pairs.doubles("batch_skimage_ssim");
        for (int i = 0; i < 4; i++) {
            assertEquals(sk[i], j.get("ssim_per_image").get(i).asDouble(), 1e-5);
        }
    }

    @Test
    void metricOnIdenticalImagesPrintsInfinitePsnr() throws Exception {
        String x = dir.resolve("big_x.npy").toString();
        KdRestoreTest.Result r = run("metric", "--x", x, "--y", x, "--json");
        assertEquals("Infinity", Json.MAPPER.readTree(r.out).get("psnr").asText());
    }

    @Test
    void metricRefusesMismatchedShapesNamingBothFilesWithExitTwo() {
        KdRestoreTest.Result r = run("metric", "--x", dir.resolve("big_x.npy").toString(), "--y",
                dir.resolve("batch_y.npy").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("big_x.npy") && r.err.contains("batch_y.npy"), r.err);
    }

    @Test
    void metricRefusesAMissingFileNamingIt() {
        KdRestoreTest.Result r = run("metric", "--x", dir.resolve("nope.npy").toString(), "--y",
                dir.resolve("big_y.npy").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("nope.npy"), r.err);
    }

    @Test
    void lossWithoutVggWeightsReportsVggAsNullAndWhy() throws Exception {
        KdRestoreTest.Result r = run("loss", "--pred", dir.resolve("batch_x.npy").toString(), "--target",
                dir.resolve("batch_y.npy").toString(), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = Json.MAPPER.readTree(r.out);
        assertEquals(1 - pairs.scalar("batch_ssim"), j.get("ssim").asDouble(), 1e-5);
        assertTrue(j.get("vgg").isNull());
        assertTrue(j.get("vgg_reason").asText().contains("--vgg-weights"));
    }

    @Test
    void lossWithVggWeightsComputesTheVggTerm() throws Exception {
        KdRestoreTest.Result r = run("loss", "--pred", dir.resolve("batch_x.npy").toString(), "--target",
                dir.resolve("batch_y.npy").toString(), "--vgg-weights", dir.resolve("vgg.npz").toString(),
                "--vgg-layers", "relu1_2,relu2_2", "--json");
        assertEquals(0, r.code, r.err);
        assertTrue(Json.MAPPER.readTree(r.out).get("vgg").asDouble() > 0);
    }

    @Test
    void vggFeaturesWritesTheGoldenActivationsAsNpy() {
        Path outFile = dir.resolve("f.npy");
        KdRestoreTest.Result r = run("vgg", "features", "--weights", dir.resolve("vgg.npz").toString(), "--layer",
                "relu3_3", "--input", dir.resolve("vin.npy").toString(), "--output", outFile.toString());
        assertEquals(0, r.code, r.err);
        NDArray got = ArrayFiles.readNpy(manager, outFile);
        NDArray want = vggFx.get("feat_relu3_3");
        assertEquals(want.getShape(), got.getShape());
        assertTrue(want.sub(got).abs().max().getFloat() <= 1e-5);
    }

    /** torchvision's layout saved by torch.save (tools/fixtures/vgg_pth_fixture.py): features.0 and .2 of the fixture's weights. */
    static final Path VGG_PTH = Path.of("src/test/resources/fixtures/weights/vgg16_relu1_2.pth");

    @Test
    void vggFeaturesReadsATorchvisionPthAndGivesWhatTheSameWeightsGiveFromNpz() {
        Path fromPth = dir.resolve("pth.npy");
        Path fromNpz = dir.resolve("npz.npy");
        KdRestoreTest.Result r = run("vgg", "features", "--weights", VGG_PTH.toString(), "--layer", "relu1_2",
                "--input", dir.resolve("vin.npy").toString(), "--output", fromPth.toString());
        assertEquals(0, r.code, r.err);
        r = run("vgg", "features", "--weights", dir.resolve("vgg.npz").toString(), "--layer", "relu1_2",
                "--input", dir.resolve("vin.npy").toString(), "--output", fromNpz.toString());
        assertEquals(0, r.code, r.err);
        assertArrayEquals(ArrayFiles.readNpy(manager, fromNpz).toFloatArray(), ArrayFiles.readNpy(manager, fromPth).toFloatArray(), 0f);
    }

    @Test
    void lossReadsATorchvisionPthAndGivesWhatTheSameWeightsGiveFromNpz() throws Exception {
        double[] vgg = new double[2];
        int i = 0;
        for (Path w : new Path[] {VGG_PTH, dir.resolve("vgg.npz")}) {
            KdRestoreTest.Result r = run("loss", "--pred", dir.resolve("batch_x.npy").toString(), "--target",
                    dir.resolve("batch_y.npy").toString(), "--vgg-weights", w.toString(), "--vgg-layers", "relu1_2", "--json");
            assertEquals(0, r.code, r.err);
            vgg[i++] = Json.MAPPER.readTree(r.out).get("vgg").asDouble();
        }
        assertTrue(vgg[0] > 0);
        assertEquals(vgg[1], vgg[0], 0.0);
    }

    @Test
    void vggFeaturesRefusesAnUnknownLayerNamingIt() {
        KdRestoreTest.Result r = run("vgg", "features", "--weights", dir.resolve("vgg.npz").toString(), "--layer",
                "relu9_9", "--input", dir.resolve("vin.npy").toString(), "--output", dir.resolve("g.npy").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("relu9_9"), r.err);
        assertTrue(!Files.exists(dir.resolve("g.npy")));
    }
}
