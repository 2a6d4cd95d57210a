package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Mat;
import org.opencv.core.Rect;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void readsNumpysUint8AndItEqualsTheDecodedPixels() {
        Npy.Array a = Npy.readArray(Fixtures.data("crop_rgb_u8.npy"));
        assertEquals("|u1", a.dtype());
        assertArrayEquals(new long[] {48, 64, 3}, a.shape());
        Mat bgr = Images.readBgr8(Fixtures.data("synthetic.png")).submat(new Rect(200, 100, 64, 48)).clone();
        byte[] px = new byte[48 * 64 * 3];
        bgr.get(0, 0, px);
        byte[] got = a.bytes();
        for (int i = 0; i < px.length; i += 3) { // numpy file is RGB, the Mat BGR
            assertEquals(px[i], got[i + 2]);
            assertEquals(px[i + 1], got[i + 1]);
            assertEquals(px[i + 2], got[i]);
        }
    }

    @Test
    void writtenFilesAreByteIdenticalToNumpysOwn() throws IOException {
        for (String name : new String[] {"crop_rgb_f32.npy", "crop_rgb_u8.npy"}) {
            Path src = Fixtures.data(name);
            Path out = dir.resolve(name);
            Npy.write(out, Npy.readArray(src));
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out), name);
        }
    }

    @Test
    void ndArraysRoundTripWithTypeAndShape() throws IOException {
        try (NDManager m = Engines.newManager()) {
            NDArray f = m.arange(24f).reshape(2, 3, 4).div(7f);
            Npy.write(dir.resolve("f.npy"), f);
            NDArray fb = Npy.read(m, dir.resolve("f.npy"));
            assertEquals(DataType.FLOAT32, fb.getDataType());
            assertEquals(new Shape(2, 3, 4), fb.getShape());
            assertArrayEquals(f.toFloatArray(), fb.toFloatArray());

            NDArray u = m.arange(0, 250, 10, DataType.INT32).toType(DataType.UINT8, false).reshape(5, 5);
            Npy.write(dir.resolve("u.npy"), u);
            NDArray ub = Npy.read(m, dir.resolve("u.npy"));
            assertEquals(DataType.UINT8, ub.getDataType());
            assertArrayEquals(u.toByteArray(), ub.toByteArray());
        }
    }

    @Test
    void otherDtypesAndBrokenFilesAreRefusedNamingTheFile() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.data("crop_rgb_f32.npy"));
        Path f8 = dir.resolve("f8.npy");
        Files.write(f8, new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<f8")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        UserInputException e = assertThrows(UserInputException.class, () -> Npy.readArray(f8));
        assertTrue(e.getMessage().contains("f8.npy") && e.getMessage().contains("<f8"), e.getMessage());

        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(good, good.length - 10));
        e = assertThrows(UserInputException.class, () -> Npy.readArray(cut));
        assertTrue(e.getMessage().contains("cut.npy"), e.getMessage());

        Path text = Files.writeString(dir.resolve("t.npy"), "hello");
        assertThrows(UserInputException.class, () -> Npy.readArray(text));
    }
}
