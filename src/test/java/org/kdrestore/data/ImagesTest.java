package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.UserInputException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;

/** Every bad input of the issue: handled as documented, or one error that names the file. */
class ImagesTest {
    @TempDir
    Path dir;

    private void assertErrorNames(Path file, String words, Runnable r) {
        UserInputException e = assertThrows(UserInputException.class, r::run);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    private Path cut(Path src, String name, double keep) throws IOException {
        byte[] b = Files.readAllBytes(src);
        Path p = dir.resolve(name);
        Files.write(p, Arrays.copyOf(b, (int) (b.length * keep)));
        return p;
    }

    @Test
    void missingFileIsNamed() {
        Path p = dir.resolve("nope.png");
        assertErrorNames(p, "not found", () -> Images.readBgr8(p));
    }

    @Test
    void folderInsteadOfFileIsNamed() {
        assertErrorNames(dir, "folder", () -> Images.readBgr8(dir));
    }

    @Test
    void emptyFileIsNamed() throws IOException {
        Path p = Files.createFile(dir.resolve("empty.jpg"));
        assertErrorNames(p, "0 bytes", () -> Images.readBgr8(p));
    }

    @Test
    void truncatedPngIsNamed() throws IOException {
        Path good = dir.resolve("good.png");
        Images.write(good, TestImages.frame(0));
        Path p = cut(good, "cut.png", 0.6);
        assertErrorNames(p, "truncated PNG", () -> Images.readBgr8(p));
    }

    @Test
    void truncatedJpegIsNamed() throws IOException {
        Path good = dir.resolve("good.jpg");
        Images.write(good, TestImages.frame(0));
        Path p = cut(good, "cut.jpg", 0.6);
        assertErrorNames(p, "truncated JPEG", () -> Images.readBgr8(p));
    }

    @Test
    void nonImageIsNamed() throws IOException {
        Path p = dir.resolve("notes.png");
        Files.writeString(p, "this is not a picture\n");
        assertErrorNames(p, "not an image", () -> Images.readBgr8(p));
    }

    @Test
    void corruptPngBodyIsNamed() throws IOException {
        Path good = dir.resolve("good.png");
        Images.write(good, TestImages.frame(0));
        byte[] b = Files.readAllBytes(good);
        for (int i = 200; i < b.length - 100; i += 7) {
            b[i] ^= 0x5a; // keep the signature and IEND, break the data
        }
        Path p = dir.resolve("corrupt.png");
        Files.write(p, b);
        assertErrorNames(p, "cannot decode", () -> Images.readBgr8(p));
    }

    @Test
    void grayscaleBecomesThreeEqualChannels() throws IOException {
        Path p = dir.resolve("gray.png");
        Mat g = TestImages.solid(8, 4, CvType.CV_8UC1, 77);
        g.put(0, 0, new byte[] {5});
        Imgcodecs.imwrite(p.toString(), g);
        Mat m = Images.readBgr8(p);
        assertEquals(CvType.CV_8UC3, m.type());
        byte[] px = new byte[3];
        m.get(0, 0, px);
        assertArrayEquals(new byte[] {5, 5, 5}, px);
        m.get(3, 7, px);
        assertArrayEquals(new byte[] {77, 77, 77}, px);
    }

    @Test
    void rgbaDropsAlphaAndKeepsColour() throws IOException {
        Path p = dir.resolve("rgba.png");
        Imgcodecs.imwrite(p.toString(), TestImages.solid(8, 4, CvType.CV_8UC4, 10, 20, 30, 0));
        Mat m = Images.readBgr8(p);
        assertEquals(CvType.CV_8UC3, m.type());
        byte[] px = new byte[3];
        m.get(2, 2, px);
        assertArrayEquals(new byte[] {10, 20, 30}, px);
    }

    @Test
    void sixteenBitPngIsKeptOrRoundedToEightBit() throws IOException {
        Path p = dir.resolve("deep.png");
        Mat m16 = TestImages.solid(4, 2, CvType.CV_16UC3, 65535, 257 * 100 + 128, 0);
        m16.put(1, 3, new short[] {(short) 1000, (short) 128, (short) 129});
        Imgcodecs.imwrite(p.toString(), m16);
        Mat keep = Images.readBgr(p);
        assertEquals(CvType.CV_16UC3, keep.type());
        Mat m = Images.readBgr8(p);
        assertEquals(CvType.CV_8UC3, m.type());
        byte[] px = new byte[3];
        m.get(0, 0, px);
        // round(v / 257): 65535 -> 255, 25828 -> 100.498 -> 100, 0 -> 0
        assertEquals(255, px[0] & 0xff);
        assertEquals(100, px[1] & 0xff);
        assertEquals(0, px[2] & 0xff);
        m.get(1, 3, px);
        assertEquals(Math.round(1000 / 257.0), px[0] & 0xff);
        assertEquals(0, px[1] & 0xff); // 128/257 = 0.498
        assertEquals(1, px[2] & 0xff); // 129/257 = 0.502
    }

    @Test
    void floatTiffIsRefusedNamingTheType() throws IOException {
        Path p = dir.resolve("float.tiff");
        Imgcodecs.imwrite(p.toString(), TestImages.solid(4, 4, CvType.CV_32FC3, 0.5, 0.5, 0.5));
        assertErrorNames(p, "unsupported sample type", () -> Images.readBgr8(p));
    }

    @Test
    void writeToUnknownExtensionIsRefused() {
        Path p = dir.resolve("x.gif");
        assertThrows(UserInputException.class, () -> Images.write(p, TestImages.u8(4, 4)));
    }

    @Test
    void writeIntoUnwritablePlaceIsNamedAndLeavesNothing() throws IOException {
        Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a folder");
        Path p = blocker.resolve("out.png");
        UserInputException e = assertThrows(UserInputException.class, () -> Images.write(p, TestImages.u8(4, 4)));
        assertTrue(e.getMessage().contains("blocker"), e.getMessage());
        assertEquals("a file, not a folder", Files.readString(blocker));
    }

    @Test
    void pngRoundTripIsLossless() throws IOException {
        Mat f = TestImages.frame(3);
        Path p = dir.resolve("f.png");
        Images.write(p, f);
        assertEquals(0, DegradationTest.differingValues(f, Images.readBgr8(p)));
    }

    @Test
    void bufferedImageRoundTripKeepsPixels() {
        Mat f = Images.readBgr8(Fixtures.data("synthetic.png"));
        Mat back = Images.fromBufferedImage(Images.toBufferedImage(f));
        assertEquals(0, DegradationTest.differingValues(f, back));
        // TYPE_3BYTE_BGR stores B, G, R; getRGB must see the true colour of the top-left ramp pixel
        byte[] px = new byte[3];
        f.get(0, 0, px);
        int rgb = Images.toBufferedImage(f).getRGB(0, 0) & 0xffffff;
        assertEquals(((px[2] & 0xff) << 16) | ((px[1] & 0xff) << 8) | (px[0] & 0xff), rgb);
    }

    @Test
    void jpegWriteUsesQualityNinetyFive() throws IOException {
        Path p = dir.resolve("q.jpg");
        Mat f = TestImages.frame(0);
        Images.write(p, f);
        Path q50 = dir.resolve("q50.jpg");
        Imgcodecs.imwrite(q50.toString(), f, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 95));
        assertArrayEquals(Files.readAllBytes(q50), Files.readAllBytes(p));
    }
}
