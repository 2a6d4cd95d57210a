package org.kdrestore.data;

import org.kdrestore.common.UserInputException;

/**
 * How a sharp quadrant is degraded: downscale by {@code factor} with {@code down}, then upscale
 * back with {@code up} (OpenCV {@code resize}, dsize = (width, height)). The defaults, x4 with
 * area down and cubic up, are the seed project's.
 *
 * <p>The factor must divide both 960 and 540 (i.e. divide 60) so the small image has a whole
 * number of pixels and the round trip returns exactly to 960x540.
 */
public record DegradationConfig(int factor, Interpolation down, Interpolation up) {
    public static final DegradationConfig DEFAULT = new DegradationConfig(4, Interpolation.AREA, Interpolation.CUBIC);

    public DegradationConfig {
        if (down == null || up == null) {
            throw new UserInputException("degradation needs both a down and an up interpolation");
        }
        if (factor < 2 || Quadrants.WIDTH % factor != 0 || Quadrants.HEIGHT % factor != 0) {
            throw new UserInputException("degradation factor " + factor + " is not allowed: it must be at least 2 and divide both "
                    + Quadrants.WIDTH + " and " + Quadrants.HEIGHT + " (2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)");
        }
    }

    public static DegradationConfig defaults() {
        return DEFAULT;
    }

    public DegradationConfig withFactor(int f) {
        return new DegradationConfig(f, down, up);
    }

    public DegradationConfig withDown(Interpolation i) {
        return new DegradationConfig(factor, i, up);
    }

    public DegradationConfig withUp(Interpolation i) {
        return new DegradationConfig(factor, down, i);
    }

    /** A short label such as {@code x4 area->cubic}. */
    public String label() {
        return "x" + factor + " " + down.id() + "->" + up.id();
    }
}
