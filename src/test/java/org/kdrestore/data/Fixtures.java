package org.kdrestore.data;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the data fixtures (made by tools/fixtures/data_degradation.py). */
final class Fixtures {
    private Fixtures() {}

    static Path data(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/data/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture fixtures/data/" + name
                    + " (regenerate: /usr/bin/python3 tools/fixtures/data_degradation.py)", e);
        }
    }
}
