package org.kdrestore.model;

/** Halves the resolution and doubles the channels: conv 3×3 to C/2, pixel-unshuffle 2. */
public final class Downsample extends Resample {
    public Downsample(int channels) {
        super(channels, true);
    }
}
