package org.kdrestore.data;

/** Everything {@link DatasetPreparer} needs besides the folders; defaults are the seed's. */
public record PrepareConfig(FrameConfig frame, DegradationConfig degradation) {
    public static final PrepareConfig DEFAULT = new PrepareConfig(FrameConfig.DEFAULT, DegradationConfig.DEFAULT);

    public PrepareConfig {
        frame = frame == null ? FrameConfig.DEFAULT : frame;
        degradation = degradation == null ? DegradationConfig.DEFAULT : degradation;
    }
}
