package org.kdrestore.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.kdrestore.common.UserInputException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * Images as DJL tensors: float32, RGB, values in [0,1], CHW for one image (NCHW with N=1 is also
 * accepted by the writers). This class is the one place where OpenCV's BGR order becomes RGB and
 * back ({@link #fromMat}, {@link #toMat}).
 *
 * <p>Quantisation when writing: 8-bit stores {@code floor(clamp(x, 0, 1) * 255 + 0.5)} (step
 * 1/255, error at most 1/510); 16-bit PNG stores {@code floor(clamp(x, 0, 1) * 65535 + 0.5)}
 * (step 1/65535, error at most 1/131070). Reading divides by 255 or 65535, so an 8-bit or
 * 16-bit file round-trips exactly. NaN is stored as 0.
 */
public final class ImageTensors {
    private ImageTensors() {}

    /** Reads any supported image file (see {@link Images}) as CHW float32 RGB in [0,1]. */
    public static NDArray read(NDManager manager, Path file) {
        Mat m = Images.readBgr(file);
        try {
            return fromMat(manager, m);
        } finally {
            m.release();
        }
    }

    /** An 8-bit or 16-bit 3-channel BGR Mat as CHW float32 RGB in [0,1]. */
    public static NDArray fromMat(NDManager manager, Mat bgr) {
        if (bgr.channels() != 3) {
            throw new IllegalArgumentException("expected a 3-channel BGR Mat, got " + CvType.typeToString(bgr.type()));
        }
        int h = bgr.rows();
        int w = bgr.cols();
        int plane = h * w;
        float[] chw = new float[3 * plane];
        Mat c = bgr.isContinuous() ? bgr : bgr.clone();
        if (c.depth() == CvType.CV_8U) {
            byte[] hwc = new byte[3 * plane];
            c.get(0, 0, hwc);
            for (int i = 0; i < plane; i++) {
                // BGR (OpenCV) -> RGB planes
                chw[i] = (hwc[3 * i + 2] & 0xff) / 255f;
                chw[plane + i] = (hwc[3 * i + 1] & 0xff) / 255f;
                chw[2 * plane + i] = (hwc[3 * i] & 0xff) / 255f;
            }
        } else if (c.depth() == CvType.CV_16U) {
            short[] hwc = new short[3 * plane];
            c.get(0, 0, hwc);
            for (int i = 0; i < plane; i++) {
                chw[i] = (hwc[3 * i + 2] & 0xffff) / 65535f;
                chw[plane + i] = (hwc[3 * i + 1] & 0xffff) / 65535f;
                chw[2 * plane + i] = (hwc[3 * i] & 0xffff) / 65535f;
            }
        } else {
            throw new IllegalArgumentException("expected an 8-bit or 16-bit Mat, got " + CvType.typeToString(bgr.type()));
        }
        return manager.create(chw, new Shape(3, h, w));
    }

    /** CHW (or 1xCHW) float RGB in [0,1] as an 8-bit BGR Mat. */
    public static Mat toMat(NDArray image) {
        return toMat(image, false);
    }

    /** CHW (or 1xCHW) float RGB in [0,1] as a 16-bit BGR Mat. */
    public static Mat toMat16(NDArray image) {
        return toMat(image, true);
    }

    private static Mat toMat(NDArray image, boolean sixteen) {
        OpenCv.load();
        Shape s = chwShape(image);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        int plane = h * w;
        float[] chw = image.getDataType() == DataType.FLOAT32 ? image.toFloatArray() : image.toType(DataType.FLOAT32, false).toFloatArray();
        if (sixteen) {
            short[] hwc = new short[3 * plane];
            for (int i = 0; i < plane; i++) {
                hwc[3 * i + 2] = (short) quantise(chw[i], 65535);
                hwc[3 * i + 1] = (short) quantise(chw[plane + i], 65535);
                hwc[3 * i] = (short) quantise(chw[2 * plane + i], 65535);
            }
            Mat m = new Mat(h, w, CvType.CV_16UC3);
            m.put(0, 0, hwc);
            return m;
        }
        byte[] hwc = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            // RGB planes -> BGR (OpenCV)
            hwc[3 * i + 2] = (byte) quantise(chw[i], 255);
            hwc[3 * i + 1] = (byte) quantise(chw[plane + i], 255);
            hwc[3 * i] = (byte) quantise(chw[2 * plane + i], 255);
        }
        Mat m = new Mat(h, w, CvType.CV_8UC3);
        m.put(0, 0, hwc);
        return m;
    }

    static int quantise(float x, int max) {
        if (!(x > 0f)) { // also NaN
            return 0;
        }
        if (x >= 1f) {
            return max;
        }
        return (int) Math.floor(x * (double) max + 0.5);
    }

    /** Writes an 8-bit image; PNG or JPEG by extension (JPEG quality {@value Images#JPEG_QUALITY}). */
    public static void write(Path file, NDArray image) throws IOException {
        Mat m = toMat(image);
        try {
            Images.write(file, m);
        } finally {
            m.release();
        }
    }

    /** Writes a 16-bit PNG (for the teacher cache: step 1/65535). */
    public static void write16(Path file, NDArray image) throws IOException {
        if (!Images.extension(file).equals("png")) {
            throw new UserInputException("16-bit images are written as PNG only; got " + file);
        }
        Mat m = toMat16(image);
        try {
            Images.write(file, m);
        } finally {
            m.release();
        }
    }

    public static BufferedImage toBufferedImage(NDArray image) {
        Mat m = toMat(image);
        try {
            return Images.toBufferedImage(m);
        } finally {
            m.release();
        }
    }

    public static NDArray fromBufferedImage(NDManager manager, BufferedImage img) {
        Mat m = Images.fromBufferedImage(img);
        try {
            return fromMat(manager, m);
        } finally {
            m.release();
        }
    }

    private static Shape chwShape(NDArray image) {
        Shape s = image.getShape();
        if (s.dimension() == 4 && s.get(0) == 1) {
            s = s.slice(1);
        }
        if (s.dimension() != 3 || s.get(0) != 3) {
            throw new IllegalArgumentException("expected a CHW (or 1xCHW) RGB image, got shape " + image.getShape());
        }
        return s;
    }
}
