package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdrestore.model.TinyTeacher;

/** Two sample photos, the prepared dataset of them and a tiny teacher: the inputs of the kill and full-disk tests. */
record TwoPhotoInputs(Path photos, Path prepared, TinyTeacher.Files teacher) {
    static TwoPhotoInputs create(Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        for (String p : List.of("Grey.jpg", "ColorfulCups.jpg")) {
            Files.copy(Path.of("data-sample", p), photos.resolve(p));
        }
        Path prepared = dir.resolve("prepared");
        assertEquals(0, KdRestoreTest.run("prepare", "--input", photos.toString(), "--output", prepared.toString()).code);
        return new TwoPhotoInputs(photos, prepared, TinyTeacher.write(dir));
    }
}
