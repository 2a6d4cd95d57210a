package org.kdrestore.data;

import java.util.Locale;
import org.kdrestore.common.UserInputException;

/**
 * One quarter of the 1920x1080 frame, 960x540: tl = rows 0-539, cols 0-959; tr = rows 0-539,
 * cols 960-1919; bl = rows 540-1079, cols 0-959; br = rows 540-1079, cols 960-1919.
 */
public enum Quadrant {
    TL(0, 0),
    TR(0, 1),
    BL(1, 0),
    BR(1, 1);

    private final int rowIndex;
    private final int colIndex;

    Quadrant(int rowIndex, int colIndex) {
        this.rowIndex = rowIndex;
        this.colIndex = colIndex;
    }

    /** The first row of this quadrant in the frame. */
    public int y() {
        return rowIndex * Quadrants.HEIGHT;
    }

    /** The first column of this quadrant in the frame. */
    public int x() {
        return colIndex * Quadrants.WIDTH;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Quadrant parse(String id) {
        for (Quadrant q : values()) {
            if (q.id().equals(id)) {
                return q;
            }
        }
        throw new UserInputException("unknown quadrant '" + id + "'; expected tl, tr, bl or br");
    }

    @Override
    public String toString() {
        return id();
    }
}
