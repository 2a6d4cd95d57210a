package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import nu.pattern.OpenCV;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * numpy interop for the command line: images as {@code .npy} (float32 or float64, CHW or NCHW,
 * RGB, [0,1]) or as PNG/JPEG (8-bit, turned into RGB float32 CHW by q / 255); state dicts as
 * {@code .npz} or {@code .safetensors}; arrays written as float32 {@code .npy}.
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

    /** A state dict (name → array) from {@code .npz} or {@code .safetensors}. */
    static Map<String, NDArray> readStateDict(NDManager manager, Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("no such weights file: " + file);
        }
        if (name.endsWith(".pth") || name.endsWith(".pt")) {
            throw new UserInputException(file + ": PyTorch .pth files are read by the weights package (not yet merged here); "
                    + "convert it to .npz or .safetensors, e.g. python -c \"import torch, numpy; "
                    + "numpy.savez('vgg16.npz', **{k: v.numpy() for k, v in torch.load('" + file.getFileName() + "').items()})\"");
        }
        if (!name.endsWith(".npz") && !name.endsWith(".safetensors")) {
            throw new UserInputException("unsupported weights file " + file + " (use .npz or .safetensors)");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : decode(manager, file)) {
            String key = a.getName();
            if (key != null && key.endsWith(".npy")) {
                key = key.substring(0, key.length() - 4);
            }
            out.put(key, a);
        }
        return out;
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

    /** Writes {@code a} as a little-endian float32 {@code .npy} (format 1.0), atomically. */
    static void writeNpy(Path file, NDArray a) throws IOException {
        float[] v = a.toType(DataType.FLOAT32, false).toFloatArray();
        StringBuilder shape = new StringBuilder("(");
        for (long d : a.getShape().getShape()) {
            shape.append(d).append(", ");
        }
        if (a.getShape().dimension() > 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(v);
        AtomicFiles.writeBytes(file, buf.array());
    }
}
