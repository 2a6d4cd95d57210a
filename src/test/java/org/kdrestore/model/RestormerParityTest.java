package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kdrestore.model.Fixtures.maxAbsDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kdrestore.common.Engines;
import org.kdrestore.infer.Padding;
import org.kdrestore.infer.RestormerInference;
import org.kdrestore.infer.TeacherWeights;

/** The Java Restormer against upstream's restormer_arch.py on a tiny config with perturbed weights. */
class RestormerParityTest {
    static final float TOL = 1e-5f;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny_withbias.npz, WithBias, false", "tiny_biasfree.pth, BiasFree, true"})
    void everyStageAndTheTestScriptOutputMatchUpstream(String name, String layerNorm, boolean bias) throws Exception {
        try (NDManager m = Engines.newManager()) {
            RestormerConfig cfg = RestormerConfig.tiny(LayerNormType.parse(layerNorm), bias);
            Restormer model = TeacherWeights.load(Fixtures.path(name), cfg, m);
            Map<String, NDArray> io = Fixtures.npz(name.replaceFirst("\\.\\w+$", "") + "_io.npz", m);
            NDArray input = io.get("input");

            // Stage by stage on the padded input, so a failure names the first wrong stage.
            Map<String, Float> diffs = new LinkedHashMap<>();
            NDArray padded = Padding.reflectBottomRight(input, 5, 3);
            NDArray out = model.apply(padded, (stage, a) -> diffs.put(stage, maxAbsDiff(a, io.get("act." + stage))));
            diffs.forEach((stage, d) -> assertTrue(d <= TOL, stage + " differs by " + d + " (all: " + diffs + ")"));
            assertEquals(18, diffs.size(), "stages seen: " + diffs.keySet());
            System.out.println(name + " stage max-abs diffs: " + diffs);

            // Inside the first block: LayerNorm, MDTA, GDFN separately.
            TransformerBlock b = model.firstBlock("encoder_level1");
            NDArray x = io.get("act.patch_embed");
            NDArray n1 = b.norm1().apply(x);
            assertTrue(maxAbsDiff(n1, io.get("act.encoder_level1.0.norm1")) <= TOL, "norm1");
            NDArray attn = b.attn().apply(io.get("act.encoder_level1.0.norm1"));
            assertTrue(maxAbsDiff(attn, io.get("act.encoder_level1.0.attn")) <= TOL, "attn");
            NDArray y = x.add(io.get("act.encoder_level1.0.attn"));
            assertTrue(maxAbsDiff(b.ffn().apply(b.norm2().apply(y)), io.get("act.encoder_level1.0.ffn")) <= TOL, "ffn");

            // Upstream's test script: reflect pad to ×8, forward, crop, clamp (and without the clamp).
            RestormerInference raw = new RestormerInference(model, RestormerInference.Options.upstream().withClamp(false));
            assertTrue(maxAbsDiff(raw.restore(input), io.get("output")) <= TOL, "unclamped output");
            RestormerInference clamped = new RestormerInference(model, RestormerInference.Options.upstream());
            assertTrue(maxAbsDiff(clamped.restore(input), io.get("output_clamped")) <= TOL, "clamped output");
            // One image (C, H, W) gives the same as a batch of one.
            NDArray single = clamped.restore(input.squeeze(0));
            assertTrue(maxAbsDiff(single, io.get("output_clamped").squeeze(0)) <= TOL, "CHW input");
            out.close();
        }
    }
}
