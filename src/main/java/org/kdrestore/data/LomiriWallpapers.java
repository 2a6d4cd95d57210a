package org.kdrestore.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.kdrestore.common.UserInputException;

/**
 * Natural photographs from Debian's {@code lomiri-wallpapers-16.04} and
 * {@code lomiri-wallpapers-20.04} packages. The images are {@code /usr/share/backgrounds/<name>.jpg};
 * author ({@code Copyright:}, as written) and licence ({@code License:}, its short name) come from
 * the {@code Files: <release>/<name>.jpg} paragraph of the package's machine-readable copyright
 * file {@code /usr/share/doc/<package>/copyright} ({@link Dep5}).
 */
public final class LomiriWallpapers {
    private LomiriWallpapers() {}

    public static final Path DEFAULT_BACKGROUNDS = Path.of("/usr/share/backgrounds");
    public static final Path DEFAULT_DOCS = Path.of("/usr/share/doc");
    public static final String PACKAGE_PREFIX = "lomiri-wallpapers-";
    public static final List<String> PACKAGES = List.of(PACKAGE_PREFIX + "16.04", PACKAGE_PREFIX + "20.04");
    public static final String INSTALL = "sudo apt-get install " + String.join(" ", PACKAGES);

    /**
     * The photos to export, as {@code <release>/<file>} like the copyright files name them (the
     * package is {@code lomiri-wallpapers-<release>}). Chosen by looking at every image of both
     * packages: these are natural photographs. Left out: Picture_1A_by_freespace (a photo, but
     * 1365x1074, smaller than the 1920x1080 frame) and the rendered or painted art
     * (Fossa_by_Jasper_Roks, Infinite-Sea_by_Aury88, Painting-Colors_by__herobrine7gamer,
     * umang_by_Abhishek_Mudgal). The portrait ones (Wine, friends) get the same centred 16:9 crop.
     */
    public static final List<String> PHOTOGRAPHS = List.of(
            "16.04/Bridge_by_Sander_Klootwijk.jpg",
            "16.04/Dragonfly_by_Bolly.jpg",
            "20.04/Kleiber_by_Lukas_Baubkus.jpg",
            "16.04/Picture_0B_by_freespace.jpg",
            "16.04/Wine_by_Jakkub_Mede.jpg",
            "16.04/aitzgorri_by_Aitzol_Berasategi.jpg",
            "16.04/analogpattern_by_Peter_Nerlich.jpg",
            "16.04/free_by_Peter_Nerlich.jpg",
            "16.04/friends_by_Aitzol_Berasategi.jpg",
            "16.04/greentock_by_Peter_Nerlich.jpg",
            "16.04/life_by_Aitzol_Berasategi.jpg",
            "16.04/picosdeeuropa_by_Aitzol_Berasategi.jpg",
            "16.04/seeding_by_Clements_Engelhardt.jpg",
            "16.04/sunset_by_Aitzol_Berasategi.jpg");

    /**
     * With the default folders, installs the two packages (as {@link Wallpapers#ensureInstalled}
     * does plasma's) when either one's copyright file is missing; other folders are taken as given.
     */
    public static void ensureInstalled(Path backgrounds, Path docs) throws IOException, InterruptedException {
        if (!backgrounds.equals(DEFAULT_BACKGROUNDS) || !docs.equals(DEFAULT_DOCS)) {
            return;
        }
        for (String pkg : PACKAGES) {
            Path copyright = docs.resolve(pkg).resolve("copyright");
            if (!Files.isRegularFile(copyright)) {
                Wallpapers.installPackages(PACKAGES, copyright);
                return;
            }
        }
    }

    /** The photos of {@link #PHOTOGRAPHS} with their authors and licences, in that order. */
    public static List<Wallpapers.Wallpaper> photos(Path backgrounds, Path docs) {
        Map<String, List<Dep5.Stanza>> copyrights = new HashMap<>();
        List<Wallpapers.Wallpaper> out = new ArrayList<>();
        for (String entry : PHOTOGRAPHS) {
            String release = entry.substring(0, entry.indexOf('/'));
            String file = entry.substring(entry.indexOf('/') + 1);
            String pkg = PACKAGE_PREFIX + release;
            Path copyright = docs.resolve(pkg).resolve("copyright");
            List<Dep5.Stanza> stanzas = copyrights.computeIfAbsent(pkg, p -> readCopyright(p, copyright));
            Path image = backgrounds.resolve(file);
            if (!Files.isRegularFile(image)) {
                throw new UserInputException(image + " (from " + pkg + ") is missing; install the packages with: " + INSTALL);
            }
            Dep5.Stanza s = Dep5.filesStanza(stanzas, entry).orElseThrow(() -> new UserInputException(
                    "no 'Files: " + entry + "' paragraph in " + copyright + ", so the author and licence of " + file
                    + " are unknown; reinstall the packages with: " + INSTALL));
            String author = String.join("; ", s.lines("Copyright"));
            String license = s.firstLine("License");
            if (author.isEmpty() || license.isEmpty()) {
                throw new UserInputException("the 'Files: " + entry + "' paragraph in " + copyright
                        + " lacks a Copyright or License line; reinstall the packages with: " + INSTALL);
            }
            String stem = file.substring(0, file.lastIndexOf('.'));
            int by = stem.indexOf("_by_");
            String name = (by > 0 ? stem.substring(0, by) : stem).replace('_', ' ');
            int[] size = size(image);
            out.add(new Wallpapers.Wallpaper(pkg, copyright, stem, name, author, license, image, size[0], size[1]));
        }
        return out;
    }

    private static List<Dep5.Stanza> readCopyright(String pkg, Path copyright) {
        if (!Files.isRegularFile(copyright)) {
            throw new UserInputException(pkg + " is not installed (" + copyright + " is missing); install the packages with: " + INSTALL);
        }
        try {
            return Dep5.parse(Files.readString(copyright, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UserInputException("cannot read " + copyright + ": " + e.getMessage(), e);
        }
    }

    /** Width and height from the image's header, without decoding it. */
    private static int[] size(Path image) {
        try (ImageInputStream in = ImageIO.createImageInputStream(image.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new UserInputException(image + " is not an image that can be read");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in);
                return new int[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            throw new UserInputException("cannot read " + image + ": " + e.getMessage(), e);
        }
    }
}
