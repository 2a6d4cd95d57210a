package org.kdrestore.data;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * {@code manifest.json} of a prepared dataset: every parameter, the sha256 of every source and
 * output, and whether the run finished ({@code complete}). No timestamps, so the same inputs
 * and parameters always give the same manifest (its sha256 keys the teacher cache).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(String format, String tool, String toolVersion, String opencv, boolean complete,
                       Parameters parameters, List<Photo> photos) {
    public static final String FORMAT = "kd-restore-prepared/1";

    /** Everything that decides the output pixels. Two runs with equal parameters are interchangeable. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Parameters(int frameWidth, int frameHeight, String fit, boolean allowUpscale,
                             String frameShrink, String frameEnlarge, int quadrantWidth, int quadrantHeight,
                             int factor, String down, String up, String pixelFormat) {
        public static Parameters of(FrameConfig frame, DegradationConfig deg) {
            return new Parameters(FrameConfig.WIDTH, FrameConfig.HEIGHT, frame.fit().id(), frame.allowUpscale(),
                    FrameConfig.SHRINK.id(), FrameConfig.ENLARGE.id(), Quadrants.WIDTH, Quadrants.HEIGHT,
                    deg.factor(), deg.down().id(), deg.up().id(), "8-bit RGB PNG");
        }

        public DegradationConfig degradation() {
            return new DegradationConfig(factor, Interpolation.parse(down), Interpolation.parse(up));
        }
    }

    /** One source photo and its quadrants. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Photo(String photo, String source, String sourceSha256, int sourceWidth, int sourceHeight,
                        String framing, List<Entry> quadrants) {}

    /** One quadrant: relative paths (with '/') and their sha256. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(String id, String quadrant, String sharp, String sharpSha256, String degraded, String degradedSha256) {}
}
