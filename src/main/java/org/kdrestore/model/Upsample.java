package org.kdrestore.model;

/** Doubles the resolution and halves the channels: conv 3×3 to 2C, pixel-shuffle 2. */
public final class Upsample extends Resample {
    public Upsample(int channels) {
        super(channels, false);
    }
}
