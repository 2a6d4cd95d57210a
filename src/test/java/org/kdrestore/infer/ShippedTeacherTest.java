package org.kdrestore.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.kdrestore.train.TeacherTrainConfig;

/** The compact teacher committed under models/restormer-s/ (trained by `kd-restore teacher train`). */
class ShippedTeacherTest {
    static final Path DIR = Path.of("models", "restormer-s");

    @Test
    void archJsonIsThePresetAndTheWeightsLoadStrictly() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> arch = Json.MAPPER.readValue(DIR.resolve("arch.json").toFile(), Map.class);
        RestormerConfig config = RestormerConfig.fromUpstreamMap(arch);
        assertEquals(TeacherTrainConfig.load("restormer-s", List.of()).model().resolve(), config);
        try (NDManager m = Engines.newManager()) {
            Restormer model = TeacherWeights.load(DIR.resolve("restormer-s.safetensors"), config, m); // strict by name
            NDArray x = m.full(new Shape(1, 3, 16, 16), 0.5f);
            NDArray y = new RestormerInference(model, RestormerInference.Options.upstream()).restore(x);
            assertEquals(x.getShape(), y.getShape());
            // A trained teacher is no longer the identity it starts as.
            assertTrue(y.sub(x).abs().max().getFloat() > 0, "output equals input");
        }
    }

    @Test
    void weightsSha256MatchesTheModelCard() throws Exception {
        String card = Files.readString(DIR.resolve("MODEL_CARD.md"));
        Matcher mt = Pattern.compile("sha256 of restormer-s\\.safetensors:\\*\\* `([0-9a-f]{64})`").matcher(card);
        assertTrue(mt.find(), "MODEL_CARD.md states no weights sha256");
        assertEquals(mt.group(1), Hashing.sha256(DIR.resolve("restormer-s.safetensors")));
    }

    /**
     * The shipped teacher restores a test quadrant it never saw, by what its model card's test
     * table says (Grey_tl, recorded by `kd-restore evaluate` from the 16-bit teacher cache): here
     * the same quadrant, prepared afresh and restored in float32, must give the same gain over
     * the degraded input within the 16-bit quantisation of the recorded output.
     */
    @Test
    void theShippedTeacherRestoresATestQuadrantAsItsModelCardRecords(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Map<String, double[]> recorded = new java.util.HashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("test-eval/per_image.csv"))) {
            String[] f = line.split(",");
            if (f[0].equals("Grey_tl")) {
                recorded.put(f[1], new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3])});
            }
        }
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(Path.of("data-sample", "Grey.jpg"), photos.resolve("Grey.jpg"));
        new org.kdrestore.data.DatasetPreparer(org.kdrestore.data.PrepareConfig.DEFAULT).prepare(photos, tmp.resolve("data"), false, true);
        org.kdrestore.data.Sample s = org.kdrestore.data.PreparedDataset.open(tmp.resolve("data")).samples().stream()
                .filter(x -> x.id().equals("Grey_tl")).findFirst().orElseThrow();
        try (NDManager m = Engines.newManager()) {
            Restormer model = TeacherWeights.load(DIR.resolve("restormer-s.safetensors"),
                    TeacherResolver.readConfig(DIR.resolve("arch.json")), m);
            NDArray in = org.kdrestore.data.ImageTensors.read(m, s.degraded());
            NDArray gt = org.kdrestore.data.ImageTensors.read(m, s.sharp());
            org.kdrestore.metric.Definition def = org.kdrestore.metric.Definition.pytorchMsssim(1.0);
            org.kdrestore.metric.Metrics.Comparison a = org.kdrestore.metric.Metrics.compare(in, gt, def);
            org.kdrestore.metric.Metrics.Comparison b = org.kdrestore.metric.Metrics.compare(
                    new RestormerInference(model, RestormerInference.Options.upstream()).restore(in), gt, def);
            double[] input = {a.ssim(), a.psnr()};
            double[] teacher = {b.ssim(), b.psnr()};
            assertEquals(recorded.get("input")[1], input[1], 1e-9, "the input's PSNR as recorded");
            assertEquals(recorded.get("teacher")[1] - recorded.get("input")[1], teacher[1] - input[1], 0.02, "teacher − input PSNR (dB)");
            assertEquals(recorded.get("teacher")[0] - recorded.get("input")[0], teacher[0] - input[0], 2e-4, "teacher − input SSIM");
            assertTrue(teacher[1] - input[1] > 5, "Grey_tl gains about 5.9 dB");
        }
    }
}
