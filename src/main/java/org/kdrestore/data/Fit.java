package org.kdrestore.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.kdrestore.common.UserInputException;

/** What to do with a photo whose aspect ratio is not 16:9. */
public enum Fit {
    /** Cut a centred 16:9 window out of the photo (default: no bars, no distortion). */
    CROP,
    /** Scale the whole photo into the frame and pad with black bars. */
    LETTERBOX,
    /** Refuse the photo with an error naming it. */
    REFUSE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Fit parse(String name) {
        if (name != null) {
            for (Fit f : values()) {
                if (f.id().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
        }
        throw new UserInputException("unknown fit '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Fit::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id();
    }
}
