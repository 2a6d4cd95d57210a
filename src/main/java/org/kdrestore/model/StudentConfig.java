package org.kdrestore.model;

import java.util.List;
import java.util.Locale;
import org.kdrestore.common.UserInputException;

/**
 * The student CNN's shape. Presets:
 * <ul>
 *   <li>{@code seed}: exactly the seed's network (width 64, one middle block, nearest upsampling,
 *       ReLU before the final Sigmoid). Kept for reproduction even though the ReLU→Sigmoid pair
 *       cannot output anything below 0.5 (sigmoid(relu(z)) ≥ sigmoid(0) = 0.5): dark pixels are
 *       unreachable.</li>
 *   <li>{@code seed-fixed}: the same without the ReLU before the Sigmoid, so the output spans
 *       (0, 1).</li>
 *   <li>{@code seed-residual}: {@code seed-fixed} plus a global residual: the output is
 *       {@code clip(input + decoder(…), 0, 1)} (no Sigmoid), so the net learns a correction.</li>
 * </ul>
 *
 * @param width channels of the encoder and middle convolutions (seed: 64)
 * @param depth number of Conv3x3→ReLU blocks in the middle (seed: 1)
 * @param upsample {@code nearest} (seed) or {@code bilinear} (align_corners=false), factor 2
 * @param reluBeforeSigmoid the seed's ReLU between the last convolution and the Sigmoid
 * @param residual add the input to the last convolution's output and clip to [0,1] instead of
 *     the Sigmoid
 */
public record StudentConfig(int width, int depth, String upsample, boolean reluBeforeSigmoid, boolean residual) {
    public static final List<String> PRESETS = List.of("seed", "seed-fixed", "seed-residual");
    public static final List<String> UPSAMPLE_MODES = List.of("nearest", "bilinear");

    public StudentConfig {
        if (width < 1) {
            throw new UserInputException("student.width must be ≥ 1, got " + width);
        }
        if (depth < 0) {
            throw new UserInputException("student.depth must be ≥ 0, got " + depth);
        }
        upsample = upsample == null ? "nearest" : upsample.toLowerCase(Locale.ROOT);
        if (!UPSAMPLE_MODES.contains(upsample)) {
            throw new UserInputException("student.upsample must be one of " + UPSAMPLE_MODES + ", got '" + upsample + "'");
        }
        if (residual && reluBeforeSigmoid) {
            throw new UserInputException("student.residual=true replaces the Sigmoid, so student.relu_before_sigmoid must be false");
        }
    }

    public static StudentConfig seed() {
        return new StudentConfig(64, 1, "nearest", true, false);
    }

    public static StudentConfig preset(String name) {
        return switch (name) {
            case "seed" -> seed();
            case "seed-fixed" -> new StudentConfig(64, 1, "nearest", false, false);
            case "seed-residual" -> new StudentConfig(64, 1, "nearest", false, true);
            default -> throw new UserInputException("unknown student preset '" + name + "' (known: " + PRESETS + ")");
        };
    }

    /** A short human name: the preset it equals, else its fields. */
    public String describe() {
        for (String p : PRESETS) {
            if (preset(p).equals(this)) {
                return p;
            }
        }
        return "width=" + width + ", depth=" + depth + ", upsample=" + upsample
                + ", relu_before_sigmoid=" + reluBeforeSigmoid + ", residual=" + residual;
    }
}
