package org.kdrestore.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.UserInputException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Reading and writing image files with OpenCV, with every bad input turned into one clear
 * {@link UserInputException} that names the file.
 *
 * <p>What a read returns, and why:
 * <ul>
 *   <li>Always 3 channels in OpenCV's BGR order (RGB conversion happens only in
 *       {@link ImageTensors}). Grayscale is replicated to 3 channels, as {@code cv2.imread} does.</li>
 *   <li>An alpha channel is dropped (the colour values are kept as stored), as
 *       {@code cv2.imread(path, cv2.IMREAD_COLOR)} does, so a Python pipeline sees the same pixels.</li>
 *   <li>JPEG EXIF orientation is applied (OpenCV's default), so photos come out upright.</li>
 *   <li>8-bit and 16-bit samples are supported; {@link #readBgr8} rounds 16-bit to 8-bit as
 *       {@code round(v / 257)} (65535 maps to 255 exactly). Float or signed samples are refused.</li>
 *   <li>Empty, non-image and truncated PNG/JPEG files are refused (OpenCV would silently decode a
 *       truncated JPEG with a grey bottom, which would poison a training set).</li>
 * </ul>
 */
public final class Images {
    private Images() {}

    /** PNG and JPEG quality settings used by every writer, so outputs are reproducible. */
    public static final int JPEG_QUALITY = 95;
    public static final int PNG_COMPRESSION = 3;

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] PNG_IEND = {'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    /** Reads an image as 3-channel BGR, 8-bit or 16-bit as stored. */
    public static Mat readBgr(Path file) {
        OpenCv.load();
        byte[] bytes = readBytes(file);
        String format = sniff(bytes, file);
        checkComplete(bytes, format, file);
        MatOfByte buf = new MatOfByte(bytes);
        Mat m = Imgcodecs.imdecode(buf, Imgcodecs.IMREAD_ANYDEPTH | Imgcodecs.IMREAD_ANYCOLOR);
        buf.release();
        if (m == null || m.empty()) {
            throw new UserInputException("cannot decode " + file + " as " + format + " (corrupt or unsupported variant)");
        }
        int depth = m.depth();
        if (depth != CvType.CV_8U && depth != CvType.CV_16U) {
            throw new UserInputException("unsupported sample type in " + file + ": " + CvType.typeToString(m.type())
                    + " (only 8-bit and 16-bit unsigned images are supported)");
        }
        switch (m.channels()) {
            case 3:
                return m;
            case 1: {
                Mat c = new Mat();
                Imgproc.cvtColor(m, c, Imgproc.COLOR_GRAY2BGR);
                m.release();
                return c;
            }
            case 4: {
                Mat c = new Mat();
                Imgproc.cvtColor(m, c, Imgproc.COLOR_BGRA2BGR);
                m.release();
                return c;
            }
            default:
                throw new UserInputException("unsupported channel count " + m.channels() + " in " + file);
        }
    }

    /** Reads an image as 8-bit 3-channel BGR (16-bit rounded: {@code round(v / 257)}). */
    public static Mat readBgr8(Path file) {
        return to8Bit(readBgr(file));
    }

    /** Converts a 16-bit Mat to 8-bit with {@code round(v / 257)}; returns 8-bit input unchanged. */
    public static Mat to8Bit(Mat m) {
        if (m.depth() == CvType.CV_8U) {
            return m;
        }
        Mat c = new Mat();
        m.convertTo(c, CvType.CV_8U, 1.0 / 257.0); // convertTo rounds to nearest and saturates
        m.release();
        return c;
    }

    /**
     * Writes a BGR (or single-channel) Mat atomically; the format follows the extension
     * ({@code .png}: 8 or 16 bit; {@code .jpg/.jpeg}: 8 bit, quality {@value #JPEG_QUALITY}).
     */
    public static void write(Path file, Mat bgr) throws IOException {
        OpenCv.load();
        String ext = extension(file);
        MatOfInt params;
        switch (ext) {
            case "png":
                params = new MatOfInt(Imgcodecs.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION);
                break;
            case "jpg":
            case "jpeg":
                if (bgr.depth() != CvType.CV_8U) {
                    throw new IllegalArgumentException("JPEG holds 8-bit images only; got " + CvType.typeToString(bgr.type())
                            + " for " + file);
                }
                params = new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, JPEG_QUALITY);
                break;
            default:
                throw new UserInputException("cannot write " + file + ": the extension must be .png, .jpg or .jpeg");
        }
        Path parent = file.toAbsolutePath().getParent();
        ensureFolder(parent);
        // Encoded in memory (the same encoder as imwrite, the same bytes), then written by Java: a
        // full disk is then an IOException that says so, where imwrite only returns false.
        org.opencv.core.MatOfByte encoded = new org.opencv.core.MatOfByte();
        try {
            if (!Imgcodecs.imencode("." + ext, bgr, encoded, params)) {
                throw new IOException("OpenCV could not encode " + file);
            }
            AtomicFiles.writeBytes(file, encoded.toArray());
        } finally {
            encoded.release();
        }
    }

    /**
     * Creates {@code dir} if needed and checks it is a writable folder; any failure (a file in the
     * way, no permission) is a user error naming the folder.
     */
    public static void ensureFolder(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserInputException("output path is a file, expected a folder: " + dir);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserInputException("cannot create output folder " + dir + " (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + ")", e);
        }
        if (!Files.isWritable(dir)) {
            throw new UserInputException("output folder is not writable: " + dir);
        }
    }

    /** Lower-case extension without the dot, or "" when there is none. */
    public static String extension(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    /** An 8-bit BGR Mat as a {@code TYPE_3BYTE_BGR} image (same byte order, no colour swap). */
    public static BufferedImage toBufferedImage(Mat bgr8) {
        if (bgr8.type() != CvType.CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel Mat, got " + CvType.typeToString(bgr8.type()));
        }
        BufferedImage img = new BufferedImage(bgr8.cols(), bgr8.rows(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        Mat c = bgr8.isContinuous() ? bgr8 : bgr8.clone();
        c.get(0, 0, data);
        return img;
    }

    /** Any BufferedImage as an 8-bit BGR Mat (alpha dropped, as for files). */
    public static Mat fromBufferedImage(BufferedImage img) {
        OpenCv.load();
        BufferedImage bgr = img;
        if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            var g = bgr.createGraphics();
            g.drawImage(img, 0, 0, null);
            g.dispose();
        }
        byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        Mat m = new Mat(bgr.getHeight(), bgr.getWidth(), CvType.CV_8UC3);
        m.put(0, 0, data);
        return m;
    }

    static byte[] readBytes(Path file) {
        if (Files.isDirectory(file)) {
            throw new UserInputException(file + " is a folder, not an image file");
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                throw new UserInputException("image file is empty (0 bytes): " + file);
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new UserInputException("image file not found: " + file, e);
        } catch (IOException e) {
            throw new UserInputException("cannot read image file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Names the format from the file's first bytes; anything unknown is not an image to us. */
    static String sniff(byte[] b, Path file) {
        if (startsWith(b, PNG_MAGIC)) {
            return "PNG";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return "JPEG";
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return "BMP";
        }
        if (b.length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
            return "TIFF";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return "WebP";
        }
        throw new UserInputException("not an image: " + file + " (not PNG, JPEG, BMP, TIFF or WebP by its first bytes)");
    }

    /**
     * A PNG must end with its IEND chunk and a JPEG with its EOI marker (ignoring trailing padding);
     * otherwise the file was cut short.
     */
    static void checkComplete(byte[] b, String format, Path file) {
        boolean ok = true;
        if (format.equals("PNG")) {
            ok = indexOf(b, PNG_IEND, Math.max(0, b.length - 4096)) >= 0;
        } else if (format.equals("JPEG")) {
            int end = b.length;
            while (end > 2 && ((b[end - 1] & 0xff) == 0x00 || (b[end - 1] & 0xff) == 0xFF
                    || b[end - 1] == '\n' || b[end - 1] == '\r' || b[end - 1] == ' ')) {
                end--;
            }
            ok = end >= 4 && (b[end - 2] & 0xff) == 0xFF && (b[end - 1] & 0xff) == 0xD9;
        }
        if (!ok) {
            throw new UserInputException("truncated " + format + " file: " + file + " (its end marker is missing; the file was cut short)");
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte[] pat, int from) {
        outer:
        for (int i = from; i <= b.length - pat.length; i++) {
            for (int j = 0; j < pat.length; j++) {
                if (b[i + j] != pat[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
