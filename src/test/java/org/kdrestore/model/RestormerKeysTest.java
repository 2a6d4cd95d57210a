package org.kdrestore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kdrestore.common.Json;
import org.kdrestore.weights.ParameterNames;

class RestormerKeysTest {
    @Test
    void motionDeblurringConfigHasExactlyUpstreamsKeysShapesAndParameterCount() throws Exception {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/teacher/full_keys.json")) {
            golden = Json.MAPPER.readTree(in);
        }
        List<String> want = new ArrayList<>();
        for (JsonNode k : golden.get("keys")) {
            want.add(k.get("key").asText() + " " + k.get("shape"));
        }
        Map<String, Parameter> params = ParameterNames.of(new Restormer(RestormerConfig.motionDeblurring()));
        List<String> got = new ArrayList<>();
        long count = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            long[] shape = e.getValue().getShape().getShape();
            got.add(e.getKey() + " " + Json.write(shape).replace(" ", ""));
            count += e.getValue().getShape().size();
        }
        assertEquals(494, want.size());
        assertEquals(want, got);
        assertEquals(26_126_644L, golden.get("num_parameters").asLong());
        assertEquals(26_126_644L, count);
    }
}
