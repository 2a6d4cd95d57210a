package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.data.Npy;
import org.kdrestore.model.StudentCnn;
import org.kdrestore.model.StudentConfig;
import org.kdrestore.train.Adam;
import org.kdrestore.train.Checkpoint;
import org.kdrestore.train.ConfigLoader;
import org.kdrestore.train.TrainConfig;

class StudentCommandTest {
    @TempDir
    Path tmp;

    @Test
    void forwardWithACheckpointWritesTheStudentsOutputAtTheInputSize() throws Exception {
        Path ckpt = tmp.resolve("s.ckpt");
        Path in = tmp.resolve("x.npy");
        Path out = tmp.resolve("y.npy");
        float[] expected;
        try (NDManager m = Engines.newManager()) {
            StudentConfig sc = new StudentConfig(8, 1, "nearest", false, false);
            StudentCnn net = StudentCnn.create(sc, m, 3);
            try (Adam adam = new Adam(net.namedParameters(), Adam.Settings.of(1e-3))) {
                Checkpoint.write(ckpt, net, adam, new Checkpoint.State(Checkpoint.FORMAT, 0, 1, false, 1, 1, 1e-3,
                        ConfigLoader.toTree(TrainConfig.seed()), sc, net.parameterCount(), "now"));
            }
            NDArray x = m.randomUniform(0f, 1f, new Shape(3, 9, 14));
            Npy.write(in, x);
            expected = net.predict(x).toFloatArray();
        }
        KdRestoreTest.Result r = KdRestoreTest.run("student", "forward", "--checkpoint", ckpt.toString(), "--input", in.toString(),
                "--output", out.toString());
        assertEquals(0, r.code, r.err);
        try (NDManager m = Engines.newManager()) {
            NDArray y = Npy.read(m, out);
            assertEquals(new Shape(3, 9, 14), y.getShape());
            assertArrayEquals(expected, y.toFloatArray(), 0f);
        }
    }

    @Test
    void missingCheckpointExitsWithTwoNamingIt() {
        KdRestoreTest.Result r = KdRestoreTest.run("student", "forward", "--checkpoint", tmp.resolve("none.ckpt").toString(),
                "--input", tmp.resolve("x.png").toString(), "--output", tmp.resolve("y.png").toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("none.ckpt"), r.err);
    }
}
