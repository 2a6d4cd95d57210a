package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Json;
import org.kdrestore.weights.ParameterNames;
import org.kdrestore.weights.Weights;

/**
 * A very small real Restormer (dim 2, one block per level, no refinement) with PyTorch-default
 * initialised weights (engine seed 7), saved as safetensors with its arch config: untrained, but
 * loaded and run exactly like a shipped teacher, and cheap enough for a 2-core CI machine.
 */
public final class TinyTeacher {
    private TinyTeacher() {}

    /** The files written: weights and arch config. */
    public record Files(Path weights, Path config) {}

    public static Files write(Path dir) throws IOException {
        RestormerConfig cfg = new RestormerConfig(3, 3, 2, List.of(1, 1, 1, 1), 0, List.of(1, 2, 4, 8), 2.66, false,
                LayerNormType.WITH_BIAS, false);
        Path config = dir.resolve("tiny-teacher.json");
        Json.writeFile(config, cfg.toUpstreamMap());
        Path weights = dir.resolve("tiny-teacher.safetensors");
        try (NDManager m = Engines.newManager()) {
            Engines.engine().setRandomSeed(7);
            Map<String, NDArray> sd = new LinkedHashMap<>();
            ParameterNames.of(Restormer.create(cfg, m)).forEach((k, p) -> sd.put(k, p.getArray()));
            Weights.save(weights, sd);
        }
        return new Files(weights, config);
    }
}
