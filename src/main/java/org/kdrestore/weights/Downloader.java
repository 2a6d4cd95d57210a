package org.kdrestore.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.ProcessLock;
import org.kdrestore.common.Progress;
import org.kdrestore.common.UserInputException;

/**
 * Downloads one file with resume and verification. Bytes go to {@code <target>.part}; a later
 * run continues it with an HTTP Range request (a server that ignores Range is detected and the
 * file restarts from zero). Once complete, the sha256 of the whole file is checked against what is
 * known (full digest or prefix) and only then is it renamed onto the target, so no reader ever
 * trusts a partial or wrong file. A mismatch deletes the .part file and says expected vs actual.
 */
public final class Downloader {
    /**
     * What happened. {@code expected} is what the sha256 was checked against (full digest, prefix,
     * or "" when nothing was known); {@code resumedFrom} the byte offset continued from.
     */
    public record Result(Path file, String sha256, String expected, long bytes, long resumedFrom,
            boolean alreadyPresent, boolean rangeIgnored) {
        /** How the file was verified, in words. */
        public String verification() {
            if (expected.isEmpty()) {
                return "no checksum known; sha256 computed: " + sha256;
            }
            return expected.length() == 64 ? "sha256 verified" : "sha256 prefix " + expected + " verified (full: " + sha256 + ")";
        }
    }

    private final boolean quiet;
    private final int readTimeoutMillis;

    public Downloader(boolean quiet) {
        this(quiet, 60_000);
    }

    /** @param readTimeoutMillis how long a silent connection may stall before the transfer fails */
    public Downloader(boolean quiet, int readTimeoutMillis) {
        this.quiet = quiet;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    public static Path partFile(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /**
     * Makes {@code target} hold the file at {@code url}, verified against {@code expectedSha256}
     * (full hex digest, a prefix of it, or null/empty for none). An existing target that matches is
     * kept without a request.
     *
     * @throws UserInputException on an HTTP error status or a checksum mismatch (message names the URL)
     * @throws IOException when the transfer breaks; the .part file is kept for resuming
     */
    public Result download(URI url, Path target, String expectedSha256) throws IOException {
        return download(url, target, expectedSha256, false);
    }

    /** As {@link #download(URI, Path, String)}; {@code force} downloads again even when the target matches. */
    public Result download(URI url, Path target, String expectedSha256, boolean force) throws IOException {
        String expected = expectedSha256 == null ? "" : expectedSha256.trim().toLowerCase(Locale.ROOT);
        if (!expected.matches("[0-9a-f]{0,64}")) {
            throw new UserInputException("--sha256 must be hexadecimal (up to 64 digits), got: " + expectedSha256);
        }
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        if (!force && Files.isRegularFile(abs)) {
            String have = Hashing.sha256(abs);
            if (KnownWeights.matches(expected, have)) {
                return new Result(abs, have, expected, Files.size(abs), 0, true, false);
            }
            if (!quiet) {
                System.err.println("note: " + abs + " exists but its sha256 " + have + " does not match " + expected
                        + "; downloading it again");
            }
        }
        Path part = partFile(abs);
        Path lockFile = part.resolveSibling(part.getFileName() + ".lock");
        // One writer per .part: a second process appending to it would corrupt the download.
        try (ProcessLock lock = ProcessLock.acquire(lockFile, "the download of " + abs, java.time.Duration.ZERO, null)) {
            return downloadLocked(url, abs, part, expected);
        }
    }

    private Result downloadLocked(URI url, Path abs, Path part, String expected) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        Transfer t = transfer(url, part, have);
        if (t.status == 416) {
            // The .part is already as long as (or longer than) the file: start over cleanly.
            Files.deleteIfExists(part);
            t = transfer(url, part, 0);
        }
        String actual = Hashing.sha256(part);
        if (!KnownWeights.matches(expected, actual)) {
            Files.deleteIfExists(part);
            throw new UserInputException("sha256 mismatch for " + url + ": expected " + expected
                    + (expected.length() < 64 ? " (prefix)" : "") + ", got " + actual
                    + "; the downloaded file was deleted");
        }
        try {
            Files.move(part, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, abs, StandardCopyOption.REPLACE_EXISTING);
        }
        return new Result(abs, actual, expected, Files.size(abs), t.resumedFrom, false, t.rangeIgnored);
    }

    private record Transfer(int status, long resumedFrom, boolean rangeIgnored) {}

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private Transfer transfer(URI url, Path part, long have) throws IOException {
        HttpURLConnection conn;
        try {
            conn = (HttpURLConnection) url.toURL().openConnection();
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new UserInputException("not an http(s) URL: " + url);
        }
        conn.setConnectTimeout(30_000);
        conn.setReadTimeout(readTimeoutMillis); // a stalled transfer fails instead of hanging; resume continues it
        conn.setInstanceFollowRedirects(true); // GitHub release assets redirect to a CDN
        conn.setRequestProperty("User-Agent", "kd-restore");
        conn.setRequestProperty("Accept-Encoding", "identity");
        if (have > 0) {
            conn.setRequestProperty("Range", "bytes=" + have + "-");
        }
        int status;
        try {
            status = conn.getResponseCode();
        } catch (IOException e) {
            throw new IOException("cannot reach " + url + ": " + e, e);
        }
        try {
            if (status == 416 && have > 0) {
                return new Transfer(416, 0, false);
            }
            if (status != 200 && status != 206) {
                throw new UserInputException("download of " + url + " failed: HTTP " + status
                        + (status == 404 ? " (not found: check the name or URL)" : ""));
            }
            long start = 0;
            boolean ignored = false;
            if (status == 206) {
                String cr = conn.getHeaderField("Content-Range");
                Matcher m = cr == null ? null : CONTENT_RANGE.matcher(cr);
                if (m == null || !m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new IOException("download of " + url + ": server answered Range bytes=" + have
                            + "- with Content-Range " + cr);
                }
                start = have;
            } else if (have > 0) {
                ignored = true; // 200 to a Range request: the body is the whole file again
                if (!quiet) {
                    System.err.println("note: the server ignored the resume request; restarting " + part.getFileName()
                            + " from zero");
                }
            }
            long length = conn.getContentLengthLong();
            long total = length >= 0 ? start + length : -1;
            try (InputStream body = conn.getInputStream()) {
                copy(body, part, start, total, url);
            }
            if (total >= 0 && Files.size(part) != total) {
                throw interrupted(url, part, total);
            }
            return new Transfer(status, start, ignored);
        } finally {
            conn.disconnect();
        }
    }

    private void copy(InputStream body, Path part, long start, long total, URI url) throws IOException {
        StandardOpenOption mode = start > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        String name = part.getFileName().toString().replaceFirst("\\.part$", "");
        long t0 = System.nanoTime();
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
                Progress p = new Progress("download " + name + " (KiB)", total >= 0 ? (total + 1023) / 1024 : -1, quiet)) {
            p.step(start / 1024);
            byte[] buf = new byte[1 << 16];
            long done = start;
            long reportedKiB = start / 1024;
            int n;
            while (true) {
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    out.flush();
                    throw interrupted(url, part, total);
                }
                if (n < 0) {
                    p.step((done + 1023) / 1024 - reportedKiB); // count the last partial KiB
                    break;
                }
                out.write(buf, 0, n);
                done += n;
                long kib = done / 1024;
                double secs = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                p.status(size(done) + (total >= 0 ? " of " + size(total) : "") + " at " + size((long) ((done - start) / secs)) + "/s");
                p.step(kib - reportedKiB);
                reportedKiB = kib;
            }
        }
    }

    private static IOException interrupted(URI url, Path part, long total) throws IOException {
        long got = Files.isRegularFile(part) ? Files.size(part) : 0;
        return new IOException("download of " + url + " broke off after " + got + (total >= 0 ? " of " + total : "")
                + " bytes; the partial file " + part + " is kept and the next fetch resumes from there");
    }

    /** Bytes as B, KiB, MiB or GiB with one decimal. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
