package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test fixtures made by tools/fixtures/restormer_fixtures.py from upstream's code. */
public final class Fixtures {
    private Fixtures() {}

    public static Path path(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/teacher/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, NDArray> npz(String name, NDManager m) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/teacher/" + name)) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (NDArray a : NDList.decode(m, in)) {
                out.put(a.getName(), a);
            }
            return out;
        }
    }

    public static float maxAbsDiff(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new AssertionError("shape " + a.getShape() + " vs " + b.getShape());
        }
        return a.sub(b).abs().max().getFloat();
    }
}
