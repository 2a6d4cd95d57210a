package org.kdrestore.weights;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.kdrestore.common.AtomicFiles;
import org.kdrestore.common.UserInputException;

/**
 * The folder where fetched weights live: {@code $KD_RESTORE_CACHE}, else
 * {@code ~/.cache/kd-restore}; files go under {@code weights/}. A file only appears there after
 * its checksum was verified (downloads go to {@code <name>.part} and are renamed), so whatever is
 * present is trusted. {@code <name>.sha256} records the full digest computed on download.
 * Nothing here touches the network: {@link #resolve} is what every command but
 * {@code weights fetch} uses.
 */
public final class WeightsCache {
    private final Path dir;

    public WeightsCache(Path dir) {
        this.dir = dir;
    }

    public static WeightsCache fromEnvironment() {
        String env = System.getenv("KD_RESTORE_CACHE");
        Path root = env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "kd-restore");
        return new WeightsCache(root);
    }

    public Path dir() {
        return dir;
    }

    public Path weightsDir() {
        return dir.resolve("weights");
    }

    public Path pathFor(KnownWeights w) {
        return weightsDir().resolve(w.fileName());
    }

    /** The full sha256 recorded when {@code file} was downloaded, if any. */
    public static Optional<String> recordedSha256(Path file) throws IOException {
        Path rec = recordFor(file);
        if (!Files.isRegularFile(rec)) {
            return Optional.empty();
        }
        String text = Files.readString(rec, StandardCharsets.UTF_8).trim();
        int space = text.indexOf(' ');
        return Optional.of(space > 0 ? text.substring(0, space) : text);
    }

    static void record(Path file, String sha256) throws IOException {
        // sha256sum's format, so `sha256sum -c` can check it.
        AtomicFiles.writeString(recordFor(file), sha256 + "  " + file.getFileName() + "\n");
    }

    static Path recordFor(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    /**
     * Downloads a registry entry (to {@code output}, or into the cache when null) and verifies it
     * against the strongest checksum known: {@code sha256} given by the user, else the full digest
     * recorded on a previous download, else the registry's (possibly a prefix, possibly none). The
     * first download records its full digest in the cache, so later downloads are pinned to it.
     */
    public Downloader.Result fetch(KnownWeights w, Path output, String sha256, Downloader downloader)
            throws IOException {
        return fetch(w, output, sha256, downloader, false);
    }

    /** As {@link #fetch(KnownWeights, Path, String, Downloader)}; {@code force} downloads again. */
    public Downloader.Result fetch(KnownWeights w, Path output, String sha256, Downloader downloader, boolean force)
            throws IOException {
        Path target = output != null ? output : pathFor(w);
        Optional<String> pinned = recordedSha256(pathFor(w));
        String given = sha256 == null ? "" : sha256.trim().toLowerCase(java.util.Locale.ROOT);
        for (String known : new String[] {w.sha256(), pinned.orElse("")}) {
            if (!given.isEmpty() && !known.isEmpty() && !given.startsWith(known) && !known.startsWith(given)) {
                throw new UserInputException("--sha256 " + given + " contradicts the known checksum " + known
                        + " of '" + w.name() + "'");
            }
        }
        String expected = !given.isEmpty() ? given : pinned.orElse(w.sha256());
        Downloader.Result r = downloader.download(java.net.URI.create(w.url()), target, expected, force);
        if (pinned.isEmpty()) {
            record(pathFor(w), r.sha256());
        }
        return r;
    }

    /**
     * Downloads any URL (to {@code output}, or into the cache under the URL's file name). Without
     * {@code sha256}, a torchvision-style hash in the file name ({@code -397923af.pth}) is checked.
     */
    public Downloader.Result fetchUrl(java.net.URI url, Path output, String sha256, Downloader downloader)
            throws IOException {
        return fetchUrl(url, output, sha256, downloader, false);
    }

    /** As {@link #fetchUrl(java.net.URI, Path, String, Downloader)}; {@code force} downloads again. */
    public Downloader.Result fetchUrl(java.net.URI url, Path output, String sha256, Downloader downloader,
            boolean force) throws IOException {
        String path = url.getPath() == null ? "" : url.getPath();
        String fileName = path.substring(path.lastIndexOf('/') + 1);
        if (output == null && fileName.isEmpty()) {
            throw new UserInputException("cannot tell a file name from " + url + "; give one with --output");
        }
        Path target = output != null ? output : weightsDir().resolve(fileName);
        String expected = sha256 != null && !sha256.isBlank() ? sha256 : KnownWeights.hashPrefixFromFileName(fileName);
        Downloader.Result r = downloader.download(url, target, expected, force);
        if (output == null && !r.alreadyPresent()) {
            record(target, r.sha256());
        }
        return r;
    }

    /**
     * Offline lookup: an existing file path is returned as is; a registry name is returned as its
     * cached file. Never downloads.
     *
     * @throws UserInputException naming the missing file and the command that would fetch it
     */
    public Path resolve(String nameOrPath) {
        Optional<KnownWeights> known = KnownWeights.find(nameOrPath);
        if (known.isPresent()) {
            Path p = pathFor(known.get());
            if (Files.isRegularFile(p)) {
                return p;
            }
            throw new UserInputException("weights '" + nameOrPath + "' are not in the cache: " + p
                    + " is missing (offline mode never downloads). Fetch them once with: kd-restore weights fetch "
                    + nameOrPath + (dir.equals(fromEnvironment().dir) ? "" : " --cache " + dir));
        }
        Path p = Path.of(nameOrPath);
        if (Files.isRegularFile(p)) {
            return p;
        }
        throw new UserInputException("weights file not found: " + nameOrPath + " (known names: "
                + String.join(", ", KnownWeights.names()) + ")");
    }
}
