package org.kdrestore.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.Progress;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Mat;

/**
 * Real photos from Debian's {@code plasma-workspace-wallpapers} package: one landscape image per
 * wallpaper (the largest 16:9 variant, else the largest landscape one; Debian makes most "sizes"
 * symbolic links to one 2560x1600 file, so links are resolved first), framed to 1920x1080 like
 * {@code prepare} does ({@link Frames}, centre crop, INTER_AREA) and saved as JPEG quality
 * {@value Images#JPEG_QUALITY}, with {@code LICENSES.md} beside them (author and licence from
 * each wallpaper's metadata, the package-wide notice from the Debian copyright file).
 */
public final class Wallpapers {
    private Wallpapers() {}

    public static final String PACKAGE = "plasma-workspace-wallpapers";
    public static final Path DEFAULT_ROOT = Path.of("/usr/share/wallpapers");
    public static final Path COPYRIGHT = Path.of("/usr/share/doc/" + PACKAGE + "/copyright");

    /** The wallpapers that are photographs (the others are drawn or rendered art). */
    public static final Set<String> PHOTOGRAPHS = Set.of("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour",
            "EveningGlow", "FallenLeaf", "Grey", "Kite", "OneStandsOut", "Path", "summer_1am");

    /** The six varied, detailed photographs shipped in {@code data-sample/}. */
    public static final List<String> SAMPLE = List.of("BytheWater", "ColorfulCups", "EveningGlow", "Grey",
            "OneStandsOut", "Path");

    private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)\\.(jpg|jpeg|png)", Pattern.CASE_INSENSITIVE);

    /** One wallpaper: its folder name, display name, authors, licence and the chosen image. */
    public record Wallpaper(String dir, String name, String author, String license, Path image, int width, int height) {}

    /** What {@link #export} wrote. */
    public record Exported(String file, Wallpaper wallpaper, String framing, String sha256) {}

    /** Every wallpaper under {@code root} that has a landscape image, sorted by folder name. */
    public static List<Wallpaper> scan(Path root) {
        if (!Files.isDirectory(root)) {
            throw new UserInputException("wallpaper folder not found: " + root);
        }
        List<Wallpaper> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path dir : ds) {
                Path images = dir.resolve("contents/images");
                if (!Files.isDirectory(images)) {
                    continue;
                }
                Wallpaper w = describe(dir, images);
                if (w != null) {
                    out.add(w);
                }
            }
        } catch (IOException e) {
            throw new UserInputException("cannot list " + root + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Wallpaper::dir));
        return out;
    }

    private static Wallpaper describe(Path dir, Path images) throws IOException {
        Path best = null;
        int bw = 0;
        int bh = 0;
        boolean bestIs169 = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(images)) {
            for (Path link : ds) {
                // Debian links the smaller "sizes" to one real file, so judge the real file by its name.
                Path p = link.toRealPath();
                Matcher m = SIZE.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                int w = Integer.parseInt(m.group(1));
                int h = Integer.parseInt(m.group(2));
                if (w <= h) {
                    continue;
                }
                boolean is169 = (long) w * 9 == (long) h * 16;
                boolean better = best == null || (is169 && !bestIs169)
                        || (is169 == bestIs169 && (long) w * h > (long) bw * bh)
                        || (is169 == bestIs169 && (long) w * h == (long) bw * bh && p.getFileName().toString().compareTo(best.getFileName().toString()) < 0);
                if (better) {
                    best = p;
                    bw = w;
                    bh = h;
                    bestIs169 = is169;
                }
            }
        }
        if (best == null) {
            return null;
        }
        String name = dir.getFileName().toString();
        String author = "unknown";
        String license = "unknown";
        Path json = dir.resolve("metadata.json");
        Path desktop = dir.resolve("metadata.desktop");
        if (Files.isRegularFile(json)) {
            JsonNode k = Json.MAPPER.readTree(json.toFile()).path("KPlugin");
            name = k.path("Name").asText(name);
            List<String> authors = new ArrayList<>();
            for (JsonNode a : k.path("Authors")) {
                authors.add(a.path("Name").asText());
            }
            author = authors.isEmpty() ? author : String.join(", ", authors);
            license = k.path("License").asText(license);
        } else if (Files.isRegularFile(desktop)) {
            for (String line : Files.readAllLines(desktop, StandardCharsets.UTF_8)) {
                if (line.startsWith("Name=")) {
                    name = line.substring(5).trim();
                } else if (line.startsWith("X-KDE-PluginInfo-Author=")) {
                    author = line.substring(line.indexOf('=') + 1).trim();
                } else if (line.startsWith("X-KDE-PluginInfo-License=")) {
                    license = line.substring(line.indexOf('=') + 1).trim();
                }
            }
        }
        return new Wallpaper(dir.getFileName().toString(), name, author, license, best, bw, bh);
    }

    /**
     * Makes sure the package is there: when {@code root} is the default and missing, installs the
     * package with apt-get if running as root, otherwise says how.
     */
    public static void ensureInstalled(Path root) throws IOException, InterruptedException {
        if (Files.isDirectory(root)) {
            return;
        }
        if (!root.equals(DEFAULT_ROOT)) {
            throw new UserInputException("wallpaper folder not found: " + root);
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new UserInputException(root + " is missing: install Debian's " + PACKAGE + " first "
                    + "(sudo apt-get install " + PACKAGE + ")");
        }
        System.err.println("installing " + PACKAGE + " with apt-get ...");
        run("apt-get", "update", "-qq");
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE);
        if (!Files.isDirectory(root)) {
            throw new UserInputException("apt-get installed " + PACKAGE + " but " + root + " is still missing");
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().transferTo(System.err); // keep stdout clean for --json
        int rc = p.waitFor();
        if (rc != 0) {
            throw new UserInputException("'" + String.join(" ", cmd) + "' failed with exit code " + rc
                    + "; install " + PACKAGE + " by hand");
        }
    }

    /** Frames each wallpaper to 1920x1080, writes {@code <dir>.jpg} and {@code LICENSES.md} into {@code out}. */
    public static List<Exported> export(List<Wallpaper> wallpapers, Path out, boolean quiet) throws IOException {
        DatasetPreparer.checkOutputFolder(out);
        List<Exported> done = new ArrayList<>();
        try (Progress progress = new Progress("photos", wallpapers.size(), quiet)) {
            for (Wallpaper w : wallpapers) {
                Mat img = Images.readBgr8(w.image());
                Frames.Plan plan = Frames.plan(img.cols(), img.rows(), FrameConfig.DEFAULT, w.image().toString());
                Mat frame = Frames.toFrame(img, FrameConfig.DEFAULT, w.image().toString());
                Path file = out.resolve(w.dir() + ".jpg");
                Images.write(file, frame);
                frame.release();
                img.release();
                done.add(new Exported(file.getFileName().toString(), w, plan.description(), Hashing.sha256(file)));
                progress.step();
            }
        }
        org.kdrestore.common.AtomicFiles.writeString(out.resolve("LICENSES.md"), licenses(done));
        return done;
    }

    /** The LICENSES.md text for exported photos. */
    public static String licenses(List<Exported> photos) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Photo licences\n\n");
        sb.append("These photos come from Debian's `").append(PACKAGE).append("` package")
                .append(packageVersion().map(v -> " (version " + v + ")").orElse(""))
                .append(", KDE Plasma's wallpapers (upstream: https://invent.kde.org/plasma/plasma-workspace-wallpapers).\n");
        sb.append("Author and licence of each come from the wallpaper's own `metadata.json` (or `metadata.desktop`) in ")
                .append("`/usr/share/wallpapers/<Name>/`; the package-wide notice from `").append(COPYRIGHT).append("` is quoted below.\n\n");
        sb.append("Each was changed the same way: the image named below was read with OpenCV, cut to a centred 16:9 window ")
                .append("when it is not 16:9, resized to 1920x1080 with OpenCV `INTER_AREA` (it is larger, so this only shrinks), ")
                .append("and saved as JPEG quality ").append(Images.JPEG_QUALITY).append(" (`kd-restore data`).\n\n");
        sb.append("| file | wallpaper | author | licence | original (in contents/images) | processing | sha256 |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        Set<String> licences = new TreeSet<>();
        for (Exported e : photos) {
            Wallpaper w = e.wallpaper();
            licences.add(w.license());
            sb.append("| ").append(e.file()).append(" | ").append(w.name()).append(" (`").append(w.dir()).append("`) | ")
                    .append(w.author()).append(" | ").append(w.license()).append(" | ")
                    .append(w.image().getFileName()).append(", ").append(w.width()).append('x').append(w.height()).append(" | ")
                    .append(e.framing()).append(" | `").append(e.sha256(), 0, 16).append("…` |\n");
        }
        sb.append("\nLicence texts: ");
        List<String> refs = new ArrayList<>();
        for (String l : licences) {
            if (l.startsWith("LGPL")) {
                refs.add(l + ": GNU Lesser General Public License version 3, `/usr/share/common-licenses/LGPL-3` on Debian, https://www.gnu.org/licenses/lgpl-3.0.html");
            } else if (l.startsWith("CC-BY-SA-4.0")) {
                refs.add(l + ": Creative Commons Attribution-ShareAlike 4.0, https://creativecommons.org/licenses/by-sa/4.0/ (the changes are listed above)");
            } else if (l.startsWith("GPL")) {
                refs.add(l + ": `/usr/share/common-licenses/GPL-2` on Debian");
            } else {
                refs.add(l);
            }
        }
        sb.append(String.join("; ", refs)).append(".\n\n");
        sb.append("## Debian copyright file (`").append(COPYRIGHT).append("`)\n\n");
        try {
            String text = Files.readString(COPYRIGHT, StandardCharsets.UTF_8);
            sb.append("```\n").append(text.strip()).append("\n```\n");
        } catch (IOException e) {
            sb.append("(not readable on the machine that made these files: ").append(e.getMessage()).append(")\n");
        }
        return sb.toString();
    }

    private static java.util.Optional<String> packageVersion() {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", PACKAGE).redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && !v.isEmpty() ? java.util.Optional.of(v) : java.util.Optional.empty();
        } catch (IOException | InterruptedException e) {
            return java.util.Optional.empty();
        }
    }
}
