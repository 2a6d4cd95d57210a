package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

class QuadrantsTest {
    /** A frame whose pixel (r, c) holds (r mod 256, c mod 256, r / 256 * 16 + c / 256). */
    static Mat coordinateFrame() {
        OpenCv.load();
        byte[] data = new byte[1920 * 1080 * 3];
        for (int r = 0; r < 1080; r++) {
            for (int c = 0; c < 1920; c++) {
                int i = 3 * (r * 1920 + c);
                data[i] = (byte) (r & 0xff);
                data[i + 1] = (byte) (c & 0xff);
                data[i + 2] = (byte) ((r >> 8) * 16 + (c >> 8));
            }
        }
        Mat m = new Mat(1080, 1920, CvType.CV_8UC3);
        m.put(0, 0, data);
        return m;
    }

    private static byte[] px(Mat m, int r, int c) {
        byte[] p = new byte[3];
        m.get(r, c, p);
        return p;
    }

    @Test
    void quadrantsCoverTheDocumentedRowsAndColumns() {
        Mat f = coordinateFrame();
        Map<Quadrant, Mat> q = Quadrants.split(f);
        int[][] origin = {{0, 0}, {0, 960}, {540, 0}, {540, 960}};
        Quadrant[] order = {Quadrant.TL, Quadrant.TR, Quadrant.BL, Quadrant.BR};
        for (int i = 0; i < 4; i++) {
            Mat part = q.get(order[i]);
            assertEquals(960, part.cols());
            assertEquals(540, part.rows());
            int r0 = origin[i][0];
            int c0 = origin[i][1];
            assertArrayEquals(px(f, r0, c0), px(part, 0, 0), order[i] + " first pixel");
            assertArrayEquals(px(f, r0 + 539, c0 + 959), px(part, 539, 959), order[i] + " last pixel");
        }
        assertEquals(960, Quadrant.TR.x());
        assertEquals(540, Quadrant.BL.y());
    }

    @Test
    void joinIsTheInverseOfSplit() {
        Mat f = coordinateFrame();
        assertEquals(0, DegradationTest.differingValues(f, Quadrants.join(Quadrants.split(f))));
    }

    @Test
    void quadrantIdsAreLowerCase() {
        assertEquals("tl", Quadrant.TL.id());
        assertEquals(Quadrant.BR, Quadrant.parse("br"));
    }
}
