package org.kdrestore.weights;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A weights file the project knows by name: where it is published and what of its checksum is
 * known. {@code sha256} is the full hex digest, a prefix of it (torchvision puts the first 8 hex
 * digits in the file name and checks only those), or empty when the publisher gives none; the
 * full digest computed on first download is then recorded next to the cached file.
 */
public record KnownWeights(String name, String url, String fileName, String sha256, String description) {

    public static final List<KnownWeights> REGISTRY = List.of(
            new KnownWeights("restormer-motion-deblurring",
                    "https://github.com/swz30/Restormer/releases/download/v1.0/motion_deblurring.pth",
                    // v1.0 release asset, 104,700,429 bytes: the digest several independent projects pin for it
                    "motion_deblurring.pth", "194e38fb5b607c9dc5a5b3e08e65b2e79ee2bf0ef5048e0612f6b2ff2f79da31",
                    "Restormer motion deblurring (GoPro), the teacher; BasicSR layout {'params': state_dict}"),
            new KnownWeights("vgg16",
                    "https://download.pytorch.org/models/vgg16-397923af.pth",
                    "vgg16-397923af.pth", "397923af",
                    "torchvision VGG16 (ImageNet), for the perceptual loss; plain state_dict"));

    public static Optional<KnownWeights> find(String name) {
        return REGISTRY.stream().filter(w -> w.name.equals(name)).findFirst();
    }

    public static List<String> names() {
        return REGISTRY.stream().map(KnownWeights::name).toList();
    }

    // torchvision's HASH_REGEX: the hex run between the last '-' and the extension.
    private static final Pattern NAME_HASH = Pattern.compile("-([a-f0-9]{6,64})\\.[^.]+$");

    /** The sha256 prefix a torchvision-style file name carries ({@code vgg16-397923af.pth}), or "". */
    public static String hashPrefixFromFileName(String fileName) {
        Matcher m = NAME_HASH.matcher(fileName);
        return m.find() ? m.group(1) : "";
    }

    /** True when {@code actual} (a full hex sha256) agrees with {@code expected} (full, prefix or empty). */
    public static boolean matches(String expected, String actual) {
        return expected == null || expected.isEmpty()
                || actual.toLowerCase(Locale.ROOT).startsWith(expected.toLowerCase(Locale.ROOT));
    }
}
