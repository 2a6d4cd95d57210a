package org.kdrestore.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.Json;
import org.kdrestore.common.Progress;
import org.kdrestore.common.UserInputException;
import org.opencv.core.Mat;

/**
 * Builds a prepared dataset from a folder of photos: each photo is framed to 1920x1080
 * ({@link Frames}), split into quadrants ({@link Quadrants}) and each quadrant degraded
 * ({@link Degradation}). Layout:
 * <pre>
 * OUT/manifest.json
 * OUT/sharp/&lt;stem&gt;_&lt;q&gt;.png      8-bit RGB PNG 960x540, q in tl, tr, bl, br
 * OUT/degraded/&lt;stem&gt;_&lt;q&gt;.png
 * </pre>
 * Re-running skips a photo when its source sha256, the parameters and the sha256 of all eight
 * outputs match the manifest. Every file is written to a temporary name and renamed, and the
 * manifest (marked {@code complete: false} until the end) only lists photos whose outputs are
 * all in place, so an interrupted run leaves nothing that a later run trusts without checking.
 */
public final class DatasetPreparer {
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp");
    public static final String MANIFEST = "manifest.json";
    public static final String SHARP = "sharp";
    public static final String DEGRADED = "degraded";

    private final PrepareConfig config;

    public DatasetPreparer(PrepareConfig config) {
        this.config = config == null ? PrepareConfig.DEFAULT : config;
    }

    /** What a run did. {@code stale} lists photos in the old manifest whose source is gone (files kept). */
    public record Result(Path output, int photos, int prepared, int skipped, int quadrants, String manifestSha256,
                         List<String> stale) {}

    public static String toolVersion() {
        String v = DatasetPreparer.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** The image files directly inside {@code dir} (by extension), sorted by name. */
    public static List<Path> listPhotos(Path dir) {
        if (!Files.exists(dir)) {
            throw new UserInputException("input folder not found: " + dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException("input is a file, expected a folder of photos: " + dir);
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isRegularFile(p) && IMAGE_EXTENSIONS.contains(Images.extension(p))) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UserInputException("cannot list input folder " + dir + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        if (out.isEmpty()) {
            throw new UserInputException("no photos in " + dir + " (looked for ." + String.join(", .", IMAGE_EXTENSIONS.stream().sorted().toList()) + ")");
        }
        return out;
    }

    /** The file name without its extension, with anything outside [A-Za-z0-9._-] replaced by '_'. */
    public static String stem(Path source) {
        String n = source.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String s = dot > 0 ? n.substring(0, dot) : n;
        s = s.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() ? "_" : s;
    }

    /** Reads a photo, frames it to 1920x1080 and returns its four sharp 8-bit BGR quadrants. */
    public Map<Quadrant, Mat> sharpQuadrants(Path photo) {
        Mat img = Images.readBgr8(photo);
        Mat frame = Frames.toFrame(img, config.frame(), photo.toString());
        Map<Quadrant, Mat> q = Quadrants.split(frame);
        frame.release();
        img.release();
        return q;
    }

    /**
     * The {@code degrade} command: writes {@code tl.png tr.png bl.png br.png} (degraded) and, with
     * {@code withSharp}, {@code tl_sharp.png} ... into {@code outDir}. Returns the files written.
     */
    public List<Path> degradePhoto(Path photo, Path outDir, boolean withSharp) throws IOException {
        return degradePhoto(photo, outDir, withSharp, false);
    }

    /**
     * As {@link #degradePhoto(Path, Path, boolean)}; with {@code npy} also writes each image as
     * {@code <name>.npy}: float32, RGB, CHW, values / 255 (what {@link ImageTensors#read} gives),
     * for comparison with a Python pipeline.
     */
    public List<Path> degradePhoto(Path photo, Path outDir, boolean withSharp, boolean npy) throws IOException {
        checkOutputFolder(outDir);
        Map<Quadrant, Mat> sharp = sharpQuadrants(photo);
        List<Path> written = new ArrayList<>();
        for (Quadrant q : Quadrant.values()) {
            Mat s = sharp.get(q);
            Mat d = Degradation.apply(s, config.degradation());
            Path dp = outDir.resolve(q.id() + ".png");
            Images.write(dp, d);
            written.add(dp);
            if (npy) {
                Path np = outDir.resolve(q.id() + ".npy");
                Npy.writeFloat32(np, ImageTensors.chw(d), 3, d.rows(), d.cols());
                written.add(np);
            }
            if (withSharp) {
                Path sp = outDir.resolve(q.id() + "_sharp.png");
                Images.write(sp, s);
                written.add(sp);
                if (npy) {
                    Path np = outDir.resolve(q.id() + "_sharp.npy");
                    Npy.writeFloat32(np, ImageTensors.chw(s), 3, s.rows(), s.cols());
                    written.add(np);
                }
            }
            d.release();
            s.release();
        }
        return written;
    }

    /** Builds or updates the dataset in {@code outDir}; {@code overwrite} allows changed parameters. */
    public Result prepare(Path inputDir, Path outDir, boolean overwrite, boolean quiet) throws IOException {
        List<Path> sources = listPhotos(inputDir);
        Map<String, Path> byStem = new LinkedHashMap<>();
        for (Path p : sources) {
            Path clash = byStem.put(stem(p), p);
            if (clash != null) {
                throw new UserInputException("two photos map to the same name '" + stem(p) + "': " + clash + " and " + p
                        + " (rename one)");
            }
        }
        Manifest.Parameters params = Manifest.Parameters.of(config.frame(), config.degradation());
        Path manifestPath = outDir.resolve(MANIFEST);
        Map<String, Manifest.Photo> previous = new HashMap<>();
        if (Files.exists(manifestPath)) {
            Manifest old = readManifest(manifestPath);
            if (!old.parameters().equals(params) && !overwrite) {
                throw new UserInputException(outDir + " was prepared with different parameters (" + describe(old.parameters())
                        + ", now " + describe(params) + "); use a new --output folder or --overwrite");
            }
            if (old.parameters().equals(params)) {
                for (Manifest.Photo p : old.photos()) {
                    previous.put(p.photo(), p);
                }
            }
        } else if (Files.isDirectory(outDir)) {
            try (Stream<Path> s = Files.list(outDir)) {
                // A kill before the first manifest leaves at most a temporary of it: that is empty still.
                if (s.anyMatch(p -> !AtomicFiles.isTemporary(p))) {
                    throw new UserInputException("output folder " + outDir + " is not empty and holds no " + MANIFEST
                            + "; choose a new or empty folder so nothing of yours is overwritten");
                }
            }
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new UserInputException("output path is a file, expected a folder: " + outDir);
        }

        // Pass 1, nothing written yet: hash every source, keep what is intact, and decode every photo
        // that needs work, so a bad photo is reported before the existing dataset is touched.
        Map<String, Manifest.Photo> keep = new LinkedHashMap<>();
        Map<String, String> shas = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : byStem.entrySet()) {
            Path src = e.getValue();
            String srcSha = sourceSha(src);
            shas.put(e.getKey(), srcSha);
            Manifest.Photo old = previous.get(e.getKey());
            if (old != null && old.sourceSha256().equals(srcSha) && old.source().equals(src.getFileName().toString())
                    && outputsIntact(outDir, old)) {
                keep.put(e.getKey(), old);
            } else {
                Mat img = Images.readBgr8(src);
                Frames.plan(img.cols(), img.rows(), config.frame(), src.toString());
                img.release();
            }
        }
        // Pass 2: the manifest says "incomplete" until every photo is done.
        // The manifest first, before any other file: a folder killed at any later moment is recognised as ours.
        checkOutputFolder(outDir);
        removeLeftoverTemporaries(outDir);
        writeManifest(manifestPath, params, new ArrayList<>(keep.values()), false);
        checkOutputFolder(outDir.resolve(SHARP));
        checkOutputFolder(outDir.resolve(DEGRADED));
        removeLeftoverTemporaries(outDir.resolve(SHARP));
        removeLeftoverTemporaries(outDir.resolve(DEGRADED));
        List<Manifest.Photo> done = new ArrayList<>();
        int prepared = 0;
        int skipped = 0;
        try (Progress progress = new Progress("prepare", byStem.size(), quiet)) {
            for (Map.Entry<String, Path> e : byStem.entrySet()) {
                Manifest.Photo kept = keep.get(e.getKey());
                if (kept != null) {
                    done.add(kept);
                    skipped++;
                } else {
                    done.add(preparePhoto(e.getValue(), e.getKey(), shas.get(e.getKey()), outDir));
                    prepared++;
                    writeManifest(manifestPath, params, union(done, keep), false);
                }
                progress.step();
            }
        }
        writeManifest(manifestPath, params, done, true);
        List<String> stale = previous.keySet().stream().filter(k -> !byStem.containsKey(k)).sorted().toList();
        return new Result(outDir, done.size(), prepared, skipped, 4 * done.size(), Hashing.sha256(manifestPath), stale);
    }

    /** Photos done so far plus those kept from the last run, in name order (what is safe to list). */
    private static List<Manifest.Photo> union(List<Manifest.Photo> done, Map<String, Manifest.Photo> keep) {
        Map<String, Manifest.Photo> all = new java.util.TreeMap<>(keep);
        for (Manifest.Photo p : done) {
            all.put(p.photo(), p);
        }
        return new ArrayList<>(all.values());
    }

    private static String sourceSha(Path src) {
        try {
            return Hashing.sha256(src);
        } catch (IOException e) {
            throw new UserInputException("cannot read photo " + src + ": " + e.getMessage(), e);
        }
    }

    private Manifest.Photo preparePhoto(Path src, String stem, String srcSha, Path outDir) throws IOException {
        Mat img = Images.readBgr8(src);
        int w = img.cols();
        int h = img.rows();
        Frames.Plan plan = Frames.plan(w, h, config.frame(), src.toString());
        Mat frame = Frames.toFrame(img, config.frame(), src.toString());
        Map<Quadrant, Mat> parts = Quadrants.split(frame);
        frame.release();
        img.release();
        List<Manifest.Entry> entries = new ArrayList<>();
        for (Quadrant q : Quadrant.values()) {
            String id = stem + "_" + q.id();
            String sharpRel = SHARP + "/" + id + ".png";
            String degRel = DEGRADED + "/" + id + ".png";
            Mat s = parts.get(q);
            Mat d = Degradation.apply(s, config.degradation());
            Images.write(outDir.resolve(sharpRel), s);
            Images.write(outDir.resolve(degRel), d);
            s.release();
            d.release();
            entries.add(new Manifest.Entry(id, q.id(), sharpRel, Hashing.sha256(outDir.resolve(sharpRel)),
                    degRel, Hashing.sha256(outDir.resolve(degRel))));
        }
        return new Manifest.Photo(stem, src.getFileName().toString(), srcSha, w, h, plan.description(), entries);
    }

    private static boolean outputsIntact(Path outDir, Manifest.Photo p) throws IOException {
        for (Manifest.Entry e : p.quadrants()) {
            Path s = outDir.resolve(e.sharp());
            Path d = outDir.resolve(e.degraded());
            if (!Files.isRegularFile(s) || !Files.isRegularFile(d)
                    || !Hashing.sha256(s).equals(e.sharpSha256()) || !Hashing.sha256(d).equals(e.degradedSha256())) {
                return false;
            }
        }
        return p.quadrants().size() == 4;
    }

    private static void writeManifest(Path path, Manifest.Parameters params, List<Manifest.Photo> photos, boolean complete)
            throws IOException {
        Json.writeFile(path, new Manifest(Manifest.FORMAT, "kd-restore", toolVersion(), OpenCv.version(), complete,
                params, List.copyOf(photos)));
    }

    /** Reads and checks a manifest; a foreign or broken file is a user error naming it. */
    public static Manifest readManifest(Path path) {
        Manifest m;
        try {
            m = Json.MAPPER.readValue(path.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + path + ": not a valid kd-restore manifest (" + firstLine(e.getMessage()) + ")", e);
        }
        if (m == null || !Manifest.FORMAT.equals(m.format()) || m.parameters() == null || m.photos() == null) {
            throw new UserInputException(path + " is not a kd-restore prepared-dataset manifest (expected format "
                    + Manifest.FORMAT + ")");
        }
        return m;
    }

    static void checkOutputFolder(Path dir) {
        Images.ensureFolder(dir);
    }

    /** Temporaries of {@link org.kdrestore.common.AtomicFiles} left by a killed run (".name.123.tmp.png"). */
    private static void removeLeftoverTemporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (AtomicFiles.isTemporary(p)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String describe(Manifest.Parameters p) {
        return "x" + p.factor() + " " + p.down() + "->" + p.up() + ", fit " + p.fit() + (p.allowUpscale() ? ", upscale allowed" : "");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
