package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.data.Npy;
import org.kdrestore.model.Fixtures;

class TeacherCommandTest {
    static final String W = Fixtures.path("tiny_withbias.npz").toString();

    @Test
    void forwardOnANpyWritesUpstreamsOutput(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> io = Fixtures.npz("tiny_withbias_io.npz", m);
            Npy.write(tmp.resolve("in.npy"), io.get("input"));
            Files.writeString(tmp.resolve("cfg.json"), "{\"dim\": 8, \"num_blocks\": [1,1,1,1], \"num_refinement_blocks\": 1}");
            KdRestoreTest.Result r = KdRestoreTest.run("teacher", "forward", "--weights", W, "--arch-config",
                    tmp.resolve("cfg.json").toString(), "--input", tmp.resolve("in.npy").toString(),
                    "--output", tmp.resolve("out.npy").toString(), "--json");
            assertEquals(0, r.code, r.err);
            assertTrue(Fixtures.maxAbsDiff(Npy.read(m, tmp.resolve("out.npy")), io.get("output_clamped")) <= 1e-5f);

            r = KdRestoreTest.run("teacher", "forward", "--weights", W, "--dim", "8", "--blocks", "1,1,1,1",
                    "--refinement-blocks", "1", "--no-clamp", "--tile", "16", "--overlap", "8",
                    "--input", tmp.resolve("in.npy").toString(), "--output", tmp.resolve("tiled.npy").toString());
            assertEquals(0, r.code, r.err);
            NDArray tiled = Npy.read(m, tmp.resolve("tiled.npy"));
            assertTrue(tiled.max().getFloat() > 1f || tiled.min().getFloat() < 0f, "--no-clamp keeps values outside [0,1]");
        }
    }

    @Test
    void forwardTakesUpstreamsPthCheckpointWithArchitectureFlags(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.newManager()) {
            Map<String, NDArray> io = Fixtures.npz("tiny_biasfree_io.npz", m);
            Npy.write(tmp.resolve("in.npy"), io.get("input"));
            KdRestoreTest.Result r = KdRestoreTest.run("teacher", "forward", "--weights", Fixtures.path("tiny_biasfree.pth").toString(),
                    "--dim", "8", "--blocks", "1,1,1,1", "--refinement-blocks", "1", "--heads", "1,2,4,8", "--ffn-factor", "2.66",
                    "--layernorm", "BiasFree", "--bias", "true", "--no-clamp",
                    "--input", tmp.resolve("in.npy").toString(), "--output", tmp.resolve("out.npy").toString());
            assertEquals(0, r.code, r.err);
            assertTrue(Fixtures.maxAbsDiff(Npy.read(m, tmp.resolve("out.npy")), io.get("output")) <= 1e-5f);
        }
    }

    @Test
    void aNonRgbArrayIsRefusedWithItsShapeAndExitCode2(@TempDir Path tmp) throws Exception {
        Npy.writeFloat32(tmp.resolve("gray.npy"), new float[16 * 16], 1, 16, 16);
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "forward", "--weights", W, "--dim", "8", "--blocks", "1,1,1,1",
                "--refinement-blocks", "1", "--input", tmp.resolve("gray.npy").toString(), "--output", tmp.resolve("o.npy").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("(1, 16, 16)") && r.err.contains("gray.npy"), r.err);
        assertTrue(!Files.exists(tmp.resolve("o.npy")));
    }

    @Test
    void weightsOfAnotherConfigNameTheMissingKeysAndExitCode2(@TempDir Path tmp) throws Exception {
        Npy.writeFloat32(tmp.resolve("in.npy"), new float[3 * 8 * 8], 3, 8, 8);
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "forward", "--weights", W, "--dim", "8", "--blocks", "1,1,1,1",
                "--refinement-blocks", "2", "--input", tmp.resolve("in.npy").toString(), "--output", tmp.resolve("o.npy").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("refinement.1.attn.temperature"), r.err);
    }

    @Test
    void cacheWithWeightsOfAnotherConfigStopsBeforeTheCacheFolderExists(@TempDir Path tmp) throws Exception {
        TwoPhotoInputs in = TwoPhotoInputs.create(tmp);
        String weights = in.teacher().weights().toString();
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "cache", "--data", in.prepared().toString(), "--weights", weights,
                "--dim", "8", "--blocks", "1,1,1,1", "--refinement-blocks", "2", "--cache", tmp.resolve("cache").toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("does not match its weights " + weights), r.err);
        assertTrue(!Files.exists(tmp.resolve("cache")), "no cache folder left behind");
    }

    @Test
    void archConfigAndFlagsCannotBeMixed(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("cfg.json"), "{\"dim\": 8}");
        KdRestoreTest.Result r = KdRestoreTest.run("teacher", "forward", "--weights", W, "--arch-config",
                tmp.resolve("cfg.json").toString(), "--dim", "8", "--input", "x.npy", "--output", "y.npy");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--arch-config"), r.err);
    }
}
