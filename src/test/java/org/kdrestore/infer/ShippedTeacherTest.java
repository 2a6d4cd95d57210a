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
}
