package org.kdrestore.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
 * {@link Source#LOMIRI} adds the natural photographs of the Lomiri wallpaper packages
 * ({@link LomiriWallpapers}); both go through the same {@link #export}.
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

    /**
     * One photo to export: the Debian package it comes from and that package's copyright file, the
     * output file's stem (for plasma, the wallpaper's folder name), display name, authors, licence
     * and the chosen image with its size. Every {@link Source} yields these; {@link #export} does
     * the rest the same way for all.
     */
    public record Wallpaper(String pkg, Path copyright, String stem, String name, String author, String license,
                            Path image, int width, int height) {}

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
        out.sort(Comparator.comparing(Wallpaper::stem));
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
        return new Wallpaper(PACKAGE, COPYRIGHT, dir.getFileName().toString(), name, author, license, best, bw, bh);
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
        installPackages(List.of(PACKAGE), root);
    }

    /**
     * Installs Debian {@code packages} with apt-get when running as root (otherwise says how to),
     * and checks that {@code expected} exists afterwards. The one installer of the photo sources.
     */
    static void installPackages(List<String> packages, Path expected) throws IOException, InterruptedException {
        String names = String.join(" ", packages);
        if (!isRoot()) {
            throw new UserInputException(expected + " is missing: install Debian's " + names + " first (sudo apt-get install " + names + ")");
        }
        System.err.println("installing " + names + " with apt-get ...");
        run(names, "apt-get", "update", "-qq");
        List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
        cmd.addAll(packages);
        run(names, cmd.toArray(String[]::new));
        if (!Files.exists(expected)) {
            throw new UserInputException("apt-get installed " + names + " but " + expected + " is still missing");
        }
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void run(String packages, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().transferTo(System.err); // keep stdout clean for --json
        int rc = p.waitFor();
        if (rc != 0) {
            throw new UserInputException("'" + String.join(" ", cmd) + "' failed with exit code " + rc
                    + "; install " + packages + " by hand");
        }
    }

    /** Where {@code data photos} takes photos from ({@code --source plasma|lomiri|all}), as LICENSES.md describes it. */
    public enum Source {
        /** {@link #scan}: every wallpaper of {@value #PACKAGE} (or only {@link #PHOTOGRAPHS}). */
        PLASMA("KDE Plasma's wallpapers (upstream: https://invent.kde.org/plasma/plasma-workspace-wallpapers)", "contents/images",
                "Author and licence of each come from the wallpaper's own `metadata.json` (or `metadata.desktop`) in "
                + "`/usr/share/wallpapers/<Name>/`; the package-wide notice from `" + COPYRIGHT + "` is quoted below."),
        /** {@link LomiriWallpapers#photos}: the natural photographs of the Lomiri wallpaper packages. */
        LOMIRI("Lomiri's wallpapers (upstream: https://gitlab.com/ubports/development/core/lomiri-wallpapers)", "/usr/share/backgrounds",
                "For the Lomiri photos (picked by looking at them: natural photographs of at least 1920x1080), author "
                + "(the `Copyright:` field as written) and licence come from the photo's `Files:` paragraph in the package's "
                + "machine-readable copyright file `/usr/share/doc/<package>/copyright`, quoted below.");

        private final String about;
        private final String folder;
        private final String provenance;

        Source(String about, String folder, String provenance) {
            this.about = about;
            this.folder = folder;
            this.provenance = provenance;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean owns(String pkg) {
            return this == PLASMA ? PACKAGE.equals(pkg) : LomiriWallpapers.PACKAGES.contains(pkg);
        }

        /** {@code plasma}, {@code lomiri} or {@code all} (both, plasma first). */
        public static List<Source> parse(String name) {
            String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("all")) {
                return List.of(values());
            }
            for (Source s : values()) {
                if (s.id().equals(n)) {
                    return List.of(s);
                }
            }
            throw new UserInputException("unknown source '" + name + "'; expected plasma, lomiri or all");
        }

        /** "Debian's `p` package (version v), about" or "Debian's `p1` (version v1) and `p2` (version v2) packages, about". */
        private String origin(List<String> pkgs) {
            List<String> mine = pkgs.stream().filter(this::owns).sorted().toList();
            boolean one = mine.size() == 1;
            String names = mine.stream().map(p -> "`" + p + "`" + (one ? "" : version(p))).collect(Collectors.joining(" and "));
            return "Debian's " + names + (one ? " package" + version(mine.get(0)) : " packages") + ", " + about;
        }
    }

    /**
     * The photos of {@code sources}, in that order (what {@code data photos --source} exports):
     * plasma's wallpapers under {@code wallpapers} (installed first when missing; only
     * {@link #PHOTOGRAPHS} with {@code photosOnly}), then the Lomiri photographs (likewise installed first).
     */
    public static List<Wallpaper> collect(List<Source> sources, Path wallpapers, Path backgrounds, Path docs, boolean photosOnly)
            throws IOException, InterruptedException {
        List<Wallpaper> all = new ArrayList<>();
        for (Source s : sources) {
            if (s == Source.PLASMA) {
                ensureInstalled(wallpapers);
                List<Wallpaper> plasma = scan(wallpapers).stream().filter(w -> !photosOnly || PHOTOGRAPHS.contains(w.stem())).toList();
                if (plasma.isEmpty()) {
                    throw new UserInputException("no landscape wallpapers found under " + wallpapers);
                }
                all.addAll(plasma);
            } else {
                LomiriWallpapers.ensureInstalled(backgrounds, docs);
                all.addAll(LomiriWallpapers.photos(backgrounds, docs));
            }
        }
        return all;
    }

    /** Frames each photo to 1920x1080, writes {@code <stem>.jpg} and {@code LICENSES.md} into {@code out}. */
    public static List<Exported> export(List<Wallpaper> wallpapers, Path out, boolean quiet) throws IOException {
        Map<String, Wallpaper> byFile = new HashMap<>();
        for (Wallpaper w : wallpapers) {
            Wallpaper other = byFile.putIfAbsent(w.stem() + ".jpg", w);
            if (other != null) {
                throw new UserInputException(other.image() + " and " + w.image() + " would both be written to " + w.stem() + ".jpg");
            }
        }
        DatasetPreparer.checkOutputFolder(out);
        List<Exported> done = new ArrayList<>();
        try (Progress progress = new Progress("photos", wallpapers.size(), quiet)) {
            for (Wallpaper w : wallpapers) {
                Mat img = Images.readBgr8(w.image());
                Frames.Plan plan = Frames.plan(img.cols(), img.rows(), FrameConfig.DEFAULT, w.image().toString());
                Mat frame = Frames.toFrame(img, FrameConfig.DEFAULT, w.image().toString());
                Path file = out.resolve(w.stem() + ".jpg");
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

    /** Licence short name prefix to where its text is, for the "Licence texts" line (first match wins). */
    private static final List<Map.Entry<String, String>> LICENCE_TEXTS = List.of(
            Map.entry("LGPL", "GNU Lesser General Public License version 3, `/usr/share/common-licenses/LGPL-3` on Debian, https://www.gnu.org/licenses/lgpl-3.0.html"),
            Map.entry("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0, https://creativecommons.org/licenses/by-sa/4.0/ (the changes are listed above)"),
            Map.entry("CC-BY-SA-3.0", "Creative Commons Attribution-ShareAlike 3.0 Unported, https://creativecommons.org/licenses/by-sa/3.0/ (the changes are listed above)"),
            Map.entry("CC-BY-4.0", "Creative Commons Attribution 4.0, https://creativecommons.org/licenses/by/4.0/ (the changes are listed above)"),
            Map.entry("CC0-1.0", "Creative Commons CC0 1.0 Universal (public domain dedication), `/usr/share/common-licenses/CC0-1.0` on Debian, https://creativecommons.org/publicdomain/zero/1.0/"),
            Map.entry("GPL", "`/usr/share/common-licenses/GPL-2` on Debian"));

    /**
     * The LICENSES.md text for exported photos. The package of each photo is named in the opening
     * paragraph and, when the photos come from more than one package, in a column of the table.
     */
    public static String licenses(List<Exported> photos) {
        List<String> pkgs = photos.stream().map(e -> e.wallpaper().pkg()).distinct().toList();
        List<Source> sources = Arrays.stream(Source.values()).filter(s -> pkgs.stream().anyMatch(s::owns)).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("# Photo licences\n\n");
        sb.append("These photos come from ").append(sources.stream().map(s -> s.origin(pkgs)).collect(Collectors.joining("; and from ")))
                .append(".\n");
        for (Source s : sources) {
            sb.append(s.provenance).append('\n');
        }
        sb.append('\n');
        sb.append("Each was changed the same way: the image named below was read with OpenCV, cut to a centred 16:9 window ")
                .append("when it is not 16:9, resized to 1920x1080 with OpenCV `INTER_AREA` (it is larger, so this only shrinks), ")
                .append("and saved as JPEG quality ").append(Images.JPEG_QUALITY).append(" (`./kd-restore data sample --output data-sample` rebuilds this folder byte for byte; ")
                .append("`data photos` makes the larger set). The same steps in OpenCV-Python, ")
                .append("`cv2.imencode('.jpg', cv2.resize(img[80:1520], (1920, 1080), interpolation=cv2.INTER_AREA), ")
                .append("[cv2.IMWRITE_JPEG_QUALITY, 95])` for a 2560x1600 original, give the same bytes.\n\n");
        boolean packageColumn = pkgs.size() > 1;
        String folders = sources.stream().map(s -> s.folder).collect(Collectors.joining(" or "));
        sb.append("| file |").append(packageColumn ? " package |" : "")
                .append(" wallpaper | author | licence | original (in ").append(folders).append(") | processing | sha256 |\n");
        sb.append("| --- |").append(packageColumn ? " --- |" : "").append(" --- | --- | --- | --- | --- | --- |\n");
        Set<String> licences = new TreeSet<>();
        for (Exported e : photos) {
            Wallpaper w = e.wallpaper();
            licences.add(w.license());
            sb.append("| ").append(e.file()).append(" | ");
            if (packageColumn) {
                sb.append(w.pkg()).append(" | ");
            }
            sb.append(w.name()).append(" (`").append(w.stem()).append("`) | ")
                    .append(w.author()).append(" | ").append(w.license()).append(" | ")
                    .append(w.image().getFileName()).append(", ").append(w.width()).append('x').append(w.height()).append(" | ")
                    .append(e.framing()).append(" | `").append(e.sha256(), 0, 16).append("…` |\n");
        }
        sb.append("\nLicence texts: ");
        List<String> refs = new ArrayList<>();
        for (String l : licences) {
            refs.add(LICENCE_TEXTS.stream().filter(t -> l.startsWith(t.getKey())).findFirst()
                    .map(t -> l + ": " + t.getValue()).orElse(l));
        }
        sb.append(String.join("; ", refs)).append(".\n");
        // Each copyright file once; files with the same text (the two Lomiri packages ship one) quoted once.
        Map<String, List<Path>> quoted = new LinkedHashMap<>();
        photos.stream().map(e -> e.wallpaper().copyright()).distinct()
                .forEach(c -> quoted.computeIfAbsent(quote(c), q -> new ArrayList<>()).add(c));
        for (Map.Entry<String, List<Path>> q : quoted.entrySet()) {
            List<Path> files = q.getValue();
            sb.append("\n## Debian copyright file").append(files.size() > 1 ? "s" : "").append(" (`")
                    .append(files.stream().map(Path::toString).collect(Collectors.joining("`, `")))
                    .append(files.size() > 1 ? "`: the same text)\n\n" : "`)\n\n").append(q.getKey());
        }
        return sb.toString();
    }

    private static String quote(Path copyright) {
        try {
            return "```\n" + Files.readString(copyright, StandardCharsets.UTF_8).strip() + "\n```\n";
        } catch (IOException e) {
            return "(not readable on the machine that made these files: " + e.getMessage() + ")\n";
        }
    }

    private static String version(String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", pkg).redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && !v.isEmpty() ? " (version " + v + ")" : "";
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }
}
