package org.kdrestore.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Json;

/**
 * The evaluation's per-image numbers against pytorch_msssim and a float64 PSNR computed in Python
 * on the same files (tools/fixtures/eval_golden.py): an 8-bit degraded crop and a 16-bit restored
 * crop (a teacher-cache-like PNG), each against the 8-bit ground truth.
 */
class EvaluationGoldenTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/report");

    @Test
    void evaluationScoresMatchUpstreamOnTheCommittedPairs() throws Exception {
        JsonNode golden = Json.MAPPER.readTree(DIR.resolve("eval_golden.json").toFile());
        for (JsonNode pair : golden.get("pairs")) {
            double[] v = Evaluation.scoreFiles(DIR.resolve(pair.get("output").asText()), DIR.resolve(pair.get("gt").asText()));
            String what = pair.get("output").asText();
            // Evaluation takes the no-gradient CPU path (metric.SsimCpu), whose float32 filtering rounds
            // differently from libtorch's convolution: 3.6e-6 apart on degraded.png. The project's SSIM
            // tolerance against pytorch-msssim is 1e-5 absolute (as in metric.SsimTest).
            assertEquals(pair.get("ssim").asDouble(), v[0], 1e-5, what + " SSIM");
            assertEquals(pair.get("psnr").asDouble(), v[1], 1e-9, what + " PSNR");
            assertEquals(pair.get("ms_ssim").asDouble(), v[2], 2e-6, what + " MS-SSIM");
        }
    }
}
