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
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.imgcodecs.Imgcodecs;

class ImageTensorsTest {
    @TempDir
    Path dir;
    NDManager manager;

    @BeforeEach
    void open() {
        manager = Engines.newManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void readGivesChwRgbFloatsEqualToNumpysConversion() {
        // Python: cv2.imread(...)[100:148, 200:264, ::-1].transpose(2, 0, 1).astype(float32) / 255
        float[] expected = Npy.readArray(Fixtures.data("crop_rgb_f32.npy")).floats();
        NDArray img = ImageTensors.read(manager, Fixtures.data("synthetic.png"));
        assertEquals(new Shape(3, 540, 960), img.getShape());
        assertEquals(DataType.FLOAT32, img.getDataType());
        NDArray crop = img.get(":, 100:148, 200:264");
        assertArrayEquals(expected, crop.toFloatArray());
    }

    @Test
    void eightBitPngRoundTripsExactly() throws IOException {
        NDArray img = ImageTensors.read(manager, Fixtures.data("synthetic.png"));
        Path p = dir.resolve("back.png");
        ImageTensors.write(p, img);
        Mat a = Images.readBgr8(Fixtures.data("synthetic.png"));
        assertEquals(0, DegradationTest.differingValues(a, Images.readBgr8(p)));
    }

    @Test
    void sixteenBitPngKeepsValuesToOneIn65535() throws IOException {
        float[] v = new float[3 * 4 * 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i) * 0.5f + 0.5f;
        }
        NDArray img = manager.create(v, new Shape(1, 3, 4, 5));
        Path p = dir.resolve("cache.png");
        ImageTensors.write16(p, img);
        assertEquals(CvType.CV_16UC3, Imgcodecs.imread(p.toString(), Imgcodecs.IMREAD_UNCHANGED).type());
        float[] back = ImageTensors.read(manager, p).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], back[i], 0.5 / 65535 + 1e-7, "value " + i);
        }
    }

    @Test
    void quantisationClampsRoundsHalfUpAndMapsNanToZero() {
        assertEquals(0, ImageTensors.quantise(-0.2f, 255));
        assertEquals(255, ImageTensors.quantise(1.7f, 255));
        assertEquals(0, ImageTensors.quantise(Float.NaN, 255));
        assertEquals(128, ImageTensors.quantise(127.5f / 255f, 255));
        assertEquals(65535, ImageTensors.quantise(1f, 65535));
    }

    @Test
    void channelOrderIsRgbInTensorsAndBgrInMats() {
        Mat m = TestImages.solid(2, 1, CvType.CV_8UC3, 255, 0, 0); // pure blue in OpenCV's BGR
        NDArray t = ImageTensors.fromMat(manager, m);
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1}, t.toFloatArray()); // R plane, G plane, B plane
        Mat back = ImageTensors.toMat(t);
        assertEquals(0, DegradationTest.differingValues(m, back));
    }

    @Test
    void bufferedImageConversionKeepsColours() {
        NDArray img = ImageTensors.read(manager, Fixtures.data("synthetic.png")).get("..., 0:40, 0:60");
        NDArray back = ImageTensors.fromBufferedImage(manager, ImageTensors.toBufferedImage(img));
        assertArrayEquals(img.toFloatArray(), back.toFloatArray());
    }

    @Test
    void wrongShapeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.toMat(manager.zeros(new Shape(4, 2, 2))));
        assertThrows(UserInputException.class, () -> ImageTensors.write16(dir.resolve("a.jpg"), manager.zeros(new Shape(3, 2, 2))));
    }

    @Test
    void readOfABadFileNamesIt() {
        Path p = dir.resolve("missing.png");
        UserInputException e = assertThrows(UserInputException.class, () -> ImageTensors.read(manager, p));
        assertTrue(e.getMessage().contains(p.toString()));
    }

    @Test
    void jpegWriteHasTheRequestedSize() throws IOException {
        Path p = dir.resolve("x.jpg");
        ImageTensors.write(p, manager.ones(new Shape(3, 6, 10)).mul(0.5f));
        Mat m = Images.readBgr8(p);
        assertEquals(10, m.cols());
        assertEquals(6, m.rows());
        assertEquals(128.0, m.submat(new Rect(0, 0, 1, 1)).get(0, 0)[0], 1.0);
    }
}
