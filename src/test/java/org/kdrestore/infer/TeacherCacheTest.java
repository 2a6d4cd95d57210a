package org.kdrestore.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kdrestore.model.Fixtures.maxAbsDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Distributor;
import org.kdrestore.common.Engines;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.DatasetPreparer;
import org.kdrestore.data.ImageTensors;
import org.kdrestore.data.OpenCv;
import org.kdrestore.data.PrepareConfig;
import org.kdrestore.model.Fixtures;
import org.kdrestore.model.LayerNormType;
import org.kdrestore.model.Restormer;
import org.kdrestore.model.RestormerConfig;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;

class TeacherCacheTest {
    static final RestormerConfig CFG = RestormerConfig.tiny(LayerNormType.WITH_BIAS, false);

    /** Small stand-ins for degraded quadrants (the real ones are 960x540: too slow for a unit test). */
    static Map<String, Path> images(Path dir, NDManager m, int n) throws Exception {
        Files.createDirectories(dir);
        Map<String, Path> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("img" + i + "_tl.png");
            ImageTensors.write(p, m.randomUniform(0f, 1f, new Shape(3, 20, 28)));
            out.put("img" + i + "_tl", p);
        }
        return out;
    }

    static TeacherResolver.Resolved teacher(Path weights) throws java.io.IOException {
        return TeacherResolver.given(weights, CFG, null);
    }

    @Test
    void cachedOutputsEqualTheTeacherWithin16BitQuantisationAndResume(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Path weights = Fixtures.path("tiny_withbias.npz");
            Restormer model = TeacherWeights.load(weights, CFG, m);
            RestormerInference.Options opts = RestormerInference.Options.upstream();
            Map<String, Path> images = images(tmp.resolve("degraded"), m, 3);
            List<Path> files = List.copyOf(images.values());
            Path root = tmp.resolve("cache");

            TeacherResolver.Resolved teacher = teacher(weights);
            TeacherCache.Summary first = TeacherCache.build(images, teacher, opts, root, Distributor.local(), true);
            assertEquals(3, first.computed());
            TeacherCache cache = TeacherCache.open(root);
            assertEquals(first.cacheDir(), cache.dir());
            NDArray want = new RestormerInference(model, opts).restore(ImageTensors.read(m, files.get(1)));
            NDArray got = cache.readFor(m, "img1_tl", files.get(1));
            assertTrue(maxAbsDiff(want, got) <= 1f / 131070 + 1e-7f, "16-bit quantisation bound");
            assertEquals(Hashing.sha256(files.get(1)), cache.index().entries().get("img1_tl").imageSha256());

            // A second run reuses everything; a changed image or a lost output is recomputed.
            assertEquals(3, TeacherCache.build(images, teacher, opts, root, Distributor.local(), true).reused());
            ImageTensors.write(files.get(0), m.randomUniform(0f, 1f, new Shape(3, 20, 28)));
            Files.delete(first.cacheDir().resolve("img2_tl.png"));
            TeacherCache.Summary third = TeacherCache.build(images, teacher, opts, root, Distributor.local(), true);
            assertEquals(2, third.computed());
            assertEquals(1, third.reused());

            // Other inference settings go to another key, never mixed with these outputs.
            TeacherCache.Summary tiled = TeacherCache.build(images, teacher, opts.withTile(24, 8), root, Distributor.local(), true);
            assertNotEquals(first.key(), tiled.key());
            UserInputException e = assertThrows(UserInputException.class, () -> TeacherCache.open(root));
            assertTrue(e.getMessage().contains("several caches"), e.getMessage());
        }
    }

    @Test
    void weightsThatDoNotMatchTheConfigStopTheFillBeforeTheCacheFolderExists(@TempDir Path tmp) throws Exception {
        Path weights = Fixtures.path("tiny_withbias.npz");
        Map<String, Path> images;
        try (NDManager m = Engines.newManager()) {
            images = images(tmp.resolve("degraded"), m, 1);
        }
        TeacherResolver.Resolved wrong = TeacherResolver.given(weights, RestormerConfig.tiny(LayerNormType.BIAS_FREE, false), null);
        UserInputException e = assertThrows(UserInputException.class, () -> TeacherCache.build(images, wrong,
                RestormerInference.Options.upstream(), tmp.resolve("cache"), Distributor.local(), true));
        assertTrue(e.getMessage().contains(weights.toString()), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache")), "no cache folder left behind");
    }

    /**
     * Two fills of one cache at once (two threads here; across processes the same OS lock, see
     * ProcessLockTest): the second waits for the first, then finds every output made, so each
     * output is computed once and the cache is complete and intact.
     */
    @Test
    void twoFillsAtOnceComputeEachOutputOnceAndLeaveACompleteCache(@TempDir Path tmp) throws Exception {
        Path weights = Fixtures.path("tiny_withbias.npz");
        Path root = tmp.resolve("cache");
        Map<String, Path> images;
        try (NDManager m = Engines.newManager()) {
            images = images(tmp.resolve("degraded"), m, 6);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Callable<TeacherCache.Summary> fill = () -> {
                return TeacherCache.build(images, teacher(weights), RestormerInference.Options.upstream(), root, Distributor.local(),
                        true);
            };
            var a = pool.submit(fill);
            var b = pool.submit(fill);
            TeacherCache.Summary sa = a.get();
            TeacherCache.Summary sb = b.get();
            assertEquals(6, sa.computed() + sb.computed(), "every output computed exactly once");
            assertEquals(6, sa.reused() + sb.reused(), "the later fill reused all of them");
        } finally {
            pool.shutdownNow();
        }
        TeacherCache cache = TeacherCache.open(root);
        assertEquals(images.keySet(), cache.index().entries().keySet());
        for (TeacherCache.Entry e : cache.index().entries().values()) {
            assertEquals(e.outputSha256(), Hashing.sha256(cache.dir().resolve(e.file())), e.file());
        }
    }

    @Test
    void anOutputComputedFromADifferentImageIsRefused(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Path weights = Fixtures.path("tiny_withbias.npz");
            Map<String, Path> images = images(tmp.resolve("degraded"), m, 1);
            Path file = images.get("img0_tl");
            TeacherCache.build(images, teacher(weights), RestormerInference.Options.upstream(), tmp.resolve("cache"),
                    Distributor.local(), true);
            ImageTensors.write(file, m.zeros(new Shape(3, 20, 28)));
            TeacherCache cache = TeacherCache.open(tmp.resolve("cache"));
            UserInputException e = assertThrows(UserInputException.class, () -> cache.readFor(m, "img0_tl", file));
            assertTrue(e.getMessage().contains("img0_tl"), e.getMessage());
        }
    }

    @Test
    void theImagesToCacheAreThePreparedDatasetsDegradedQuadrantsById(@TempDir Path tmp) throws Exception {
        OpenCv.load();
        Files.createDirectories(tmp.resolve("photos"));
        Imgcodecs.imwrite(tmp.resolve("photos/p.png").toString(), new Mat(1080, 1920, CvType.CV_8UC3, new Scalar(30, 90, 200)));
        new DatasetPreparer(PrepareConfig.DEFAULT).prepare(tmp.resolve("photos"), tmp.resolve("prepared"), false, true);
        Map<String, Path> images = TeacherCache.degradedImages(tmp.resolve("prepared"));
        assertEquals(List.of("p_tl", "p_tr", "p_bl", "p_br"), List.copyOf(images.keySet()));
        assertTrue(images.values().stream().allMatch(Files::isRegularFile));
        assertThrows(UserInputException.class, () -> TeacherCache.degradedImages(tmp.resolve("photos")));
    }
}
