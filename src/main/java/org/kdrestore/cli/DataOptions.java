package org.kdrestore.cli;

import org.kdrestore.data.DegradationConfig;
import org.kdrestore.data.Fit;
import org.kdrestore.data.FrameConfig;
import org.kdrestore.data.Interpolation;
import org.kdrestore.data.PrepareConfig;
import picocli.CommandLine.Option;

/** Framing and degradation options shared by {@code degrade} and {@code prepare}. */
public final class DataOptions {
    @Option(names = "--factor", defaultValue = "4", description = "Degradation scale factor; must divide 960 and 540 (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--down", defaultValue = "area", description = "Interpolation for downscaling: area, linear, cubic, nearest, lanczos (default: ${DEFAULT-VALUE}).")
    String down;

    @Option(names = "--up", defaultValue = "cubic", description = "Interpolation for upscaling back: area, linear, cubic, nearest, lanczos (default: ${DEFAULT-VALUE}).")
    String up;

    @Option(names = "--fit", defaultValue = "crop", description = "Photos that are not 16:9: crop (centre 16:9 window), letterbox (black bars) or refuse (default: ${DEFAULT-VALUE}).")
    String fit;

    @Option(names = "--allow-upscale", description = "Accept photos smaller than 1920x1080 by enlarging them (bicubic); refused by default.")
    boolean allowUpscale;

    PrepareConfig config() {
        return new PrepareConfig(new FrameConfig(Fit.parse(fit), allowUpscale),
                new DegradationConfig(factor, Interpolation.parse(down), Interpolation.parse(up)));
    }
}
