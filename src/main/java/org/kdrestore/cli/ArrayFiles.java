package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import nu.pattern.OpenCV;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.Npy;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * numpy interop for the command line: images as {@code .npy} (float32 or float64, CHW or NCHW,
 * RGB, [0,1]) or as PNG/JPEG (8-bit, turned into RGB float32 CHW by q / 255); arrays written as
 * float32 {@code .npy}. State dicts are read by {@code weights.Weights.read} (.pth, .safetensors, .npz).
 */
final class ArrayFiles {
    private ArrayFiles() {}

    static NDArray readImage(NDManager manager, Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("no such file: " + file);
        }
        if (name.endsWith(".npy")) {
            NDArray a = readNpy(manager, file);
            DataType t = a.getDataType();
            if (t != DataType.FLOAT32 && t != DataType.FLOAT64) {
                throw new UserInputException(file + ": expected a float32 array with values in [0,1], got dtype " + t);
            }
            int d = a.getShape().dimension();
            if ((d != 3 && d != 4) || a.getShape().get(d - 3) != 3) {
                throw new UserInputException(file + ": expected an RGB array (3,H,W) or (N,3,H,W), got shape " + a.getShape());
            }
            return a.toType(DataType.FLOAT32, false);
        }
        if (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            OpenCV.loadLocally();
            Mat bgr = Imgcodecs.imread(file.toString(), Imgcodecs.IMREAD_COLOR);
            if (bgr.empty()) {
                throw new UserInputException("cannot decode image " + file);
            }
            Mat rgb = new Mat();
            Imgproc.cvtColor(bgr, rgb, Imgproc.COLOR_BGR2RGB);
            byte[] px = new byte[(int) (rgb.total() * rgb.channels())];
            rgb.get(0, 0, px);
            int h = rgb.rows();
            int w = rgb.cols();
            bgr.release();
            rgb.release();
            return manager.create(ByteBuffer.wrap(px), new Shape(h, w, 3), DataType.UINT8)
                    .transpose(2, 0, 1).toType(DataType.FLOAT32, false).div(255f);
        }
        throw new UserInputException("unsupported image file " + file + " (use .npy, .png, .jpg or .jpeg)");
    }

    static NDArray readNpy(NDManager manager, Path file) {
        NDList list = decode(manager, file);
        if (list.size() != 1) {
            throw new UserInputException(file + ": expected one array, found " + list.size());
        }
        return list.get(0);
    }

    private static NDList decode(NDManager manager, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return NDList.decode(manager, in);
        } catch (NoSuchFileException e) {
            throw new UserInputException("no such file: " + file, e);
        } catch (IOException | RuntimeException e) {
            throw new UserInputException("cannot read " + file + " as numpy/safetensors data: " + e.getMessage(), e);
        }
    }

    /** Writes {@code a} as a float32 {@code .npy}, atomically (through {@link Npy}, the project's one writer). */
    static void writeNpy(Path file, NDArray a) throws IOException {
        Npy.write(file, a.toType(DataType.FLOAT32, false));
    }
}
