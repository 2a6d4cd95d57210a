package org.kdrestore.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kdrestore.model.Fixtures.maxAbsDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.model.Fixtures;
import org.kdrestore.model.LayerNormType;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;

class TeacherCacheTest {
    static final RestormerConfig CFG = RestormerConfig.tiny(LayerNormType.WITH_BIAS, false);

    static Path prepared(Path dir, NDManager m, int n) throws Exception {
        Files.createDirectories(dir.resolve("degraded"));
        for (int i = 0; i < n; i++) {
            ImageTensors.write(dir.resolve("degraded/img" + i + "_tl.png"), m.randomUniform(0f, 1f, new Shape(3, 20, 28)));
        }
        return dir;
    }

    @Test
    void cachedOutputsEqualTheTeacherWithin16BitQuantisationAndResume(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Path data = prepared(tmp.resolve("prep"), m, 3);
            Path weights = Fixtures.path("tiny_withbias.npz");
            Restormer model = TeacherWeights.load(weights, CFG, m);
            RestormerInference.Options opts = RestormerInference.Options.upstream();
            List<Path> images = TeacherCache.degradedImages(data);
            Path root = tmp.resolve("cache");

            TeacherCache.Summary first = TeacherCache.build(images, model, weights, opts, root, m, true);
            assertEquals(3, first.computed());
            TeacherCache cache = TeacherCache.open(root);
            assertEquals(first.cacheDir(), cache.dir());
            NDArray want = new RestormerInference(model, opts).restore(ImageTensors.read(m, images.get(1)));
            NDArray got = cache.readFor(m, images.get(1));
            assertTrue(maxAbsDiff(want, got) <= 1f / 131070 + 1e-7f, "16-bit quantisation bound");
            assertEquals(Hashing.sha256(images.get(1)), cache.index().entries().get("img1_tl").imageSha256());

            // A second run reuses everything; a changed image or a lost output is recomputed.
            assertEquals(3, TeacherCache.build(images, model, weights, opts, root, m, true).reused());
            ImageTensors.write(images.get(0), m.randomUniform(0f, 1f, new Shape(3, 20, 28)));
            Files.delete(first.cacheDir().resolve("img2_tl.png"));
            TeacherCache.Summary third = TeacherCache.build(images, model, weights, opts, root, m, true);
            assertEquals(2, third.computed());
            assertEquals(1, third.reused());

            // Other inference settings go to another key, never mixed with these outputs.
            TeacherCache.Summary tiled = TeacherCache.build(images, model, weights, opts.withTile(16, 8), root, m, true);
            assertNotEquals(first.key(), tiled.key());
            UserInputException e = assertThrows(UserInputException.class, () -> TeacherCache.open(root));
            assertTrue(e.getMessage().contains("several caches"), e.getMessage());
        }
    }

    @Test
    void anOutputComputedFromADifferentImageIsRefused(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Path data = prepared(tmp.resolve("prep"), m, 1);
            Path weights = Fixtures.path("tiny_withbias.npz");
            List<Path> images = TeacherCache.degradedImages(data);
            TeacherCache.build(images, TeacherWeights.load(weights, CFG, m), weights, RestormerInference.Options.upstream(),
                    tmp.resolve("cache"), m, true);
            ImageTensors.write(images.get(0), m.zeros(new Shape(3, 20, 28)));
            TeacherCache cache = TeacherCache.open(tmp.resolve("cache"));
            UserInputException e = assertThrows(UserInputException.class, () -> cache.readFor(m, images.get(0)));
            assertTrue(e.getMessage().contains("img0_tl"), e.getMessage());
        }
    }

    @Test
    void aPreparedFolderWithoutDegradedImagesIsNamed(@TempDir Path tmp) {
        UserInputException e = assertThrows(UserInputException.class, () -> TeacherCache.degradedImages(tmp));
        assertTrue(e.getMessage().contains(tmp.toString()) && e.getMessage().contains("degraded"), e.getMessage());
    }
}
