package org.kdrestore.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.kdrestore.common.UserInputException;
import org.opencv.imgproc.Imgproc;

/** The OpenCV interpolations a user may pick by name (as in {@code cv2.INTER_*}). */
public enum Interpolation {
    NEAREST(Imgproc.INTER_NEAREST),
    LINEAR(Imgproc.INTER_LINEAR),
    CUBIC(Imgproc.INTER_CUBIC),
    AREA(Imgproc.INTER_AREA),
    LANCZOS(Imgproc.INTER_LANCZOS4);

    /** The OpenCV constant ({@code cv::InterpolationFlags}). */
    public final int cvFlag;

    Interpolation(int cvFlag) {
        this.cvFlag = cvFlag;
    }

    /** The lower-case name used on the command line and in manifests. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code area|linear|cubic|nearest|lanczos}; anything else is a user error naming the value. */
    public static Interpolation parse(String name) {
        if (name != null) {
            for (Interpolation i : values()) {
                if (i.id().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return i;
                }
            }
        }
        throw new UserInputException("unknown interpolation '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Interpolation::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id();
    }
}
