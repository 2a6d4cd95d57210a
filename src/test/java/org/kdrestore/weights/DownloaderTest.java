package org.kdrestore.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;

/** Downloads against a JDK HttpServer on 127.0.0.1; nothing here touches the network. */
class DownloaderTest {
    static final byte[] BODY = new byte[300_000];

    static {
        new Random(42).nextBytes(BODY);
    }

    static final String SHA = Hashing.sha256(BODY);

    HttpServer server;
    final List<String> ranges = new CopyOnWriteArrayList<>(); // Range header of each request ("" if none)
    final AtomicInteger cuts = new AtomicInteger(1); // how many /cut requests still break off

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "" : range);
        {
            if (!path.startsWith("/files/")) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            boolean honourRange = !path.contains("norange");
            Matcher m = range == null ? null : RANGE.matcher(range);
            int from = honourRange && m != null && m.matches() ? Integer.parseInt(m.group(1)) : 0;
            if (from >= BODY.length) {
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            if (from > 0) {
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (BODY.length - 1) + "/" + BODY.length);
            }
            ex.sendResponseHeaders(from > 0 ? 206 : 200, BODY.length - from);
            OutputStream out = ex.getResponseBody();
            if (path.contains("cut") && cuts.getAndDecrement() > 0) {
                // Send a third, then fail the exchange: the JDK server drops the connection
                // although Content-Length promised more.
                out.write(BODY, from, BODY.length / 3);
                out.flush();
                throw new IOException("cut on purpose");
            }
            out.write(BODY, from, BODY.length - from);
            ex.close();
        }
    }

    Downloader downloader() {
        return new Downloader(true, 20_000);
    }

    @Test
    void downloadVerifiesTheChecksumAndLeavesNoPartFile() throws IOException {
        Path target = dir.resolve("out/w.bin");
        Downloader.Result r = downloader().download(url("/files/w.bin"), target, SHA);
        assertArrayEquals(BODY, Files.readAllBytes(target));
        assertEquals(SHA, r.sha256());
        assertFalse(Files.exists(Downloader.partFile(target)));
        assertEquals(List.of(""), ranges);
    }

    @Test
    void transferCutInTheMiddleKeepsThePartFileAndTheNextRunResumesWithRange() throws IOException {
        Path target = dir.resolve("w.bin");
        IOException e = assertThrows(IOException.class, () -> downloader().download(url("/files/cut.bin"), target, SHA));
        assertTrue(e.getMessage().contains("resumes"), e.getMessage());
        assertFalse(Files.exists(target), "a partial file must never take the target's name");
        long partial = Files.size(Downloader.partFile(target));
        assertTrue(partial > 0 && partial < BODY.length, "partial size " + partial);

        Downloader.Result r = downloader().download(url("/files/cut.bin"), target, SHA);
        assertEquals(partial, r.resumedFrom());
        assertEquals("bytes=" + partial + "-", ranges.get(1));
        assertArrayEquals(BODY, Files.readAllBytes(target));
        assertFalse(Files.exists(Downloader.partFile(target)));
    }

    @Test
    void wrongChecksumDeletesTheDownloadAndSaysExpectedAndActual() {
        Path target = dir.resolve("w.bin");
        String wrong = "0".repeat(64);
        UserInputException e = assertThrows(UserInputException.class,
                () -> downloader().download(url("/files/w.bin"), target, wrong));
        assertTrue(e.getMessage().contains(wrong) && e.getMessage().contains(SHA), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(Downloader.partFile(target)));
    }

    @Test
    void notFoundIsAnErrorNamingTheUrlAndWritesNothing() {
        Path target = dir.resolve("w.bin");
        UserInputException e = assertThrows(UserInputException.class,
                () -> downloader().download(url("/missing/w.bin"), target, null));
        assertTrue(e.getMessage().contains("404") && e.getMessage().contains("/missing/w.bin"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void serverThatIgnoresRangeRestartsFromZeroInsteadOfAppending() throws IOException {
        Path target = dir.resolve("w.bin");
        Files.write(Downloader.partFile(target), new byte[] {1, 2, 3, 4, 5});
        Downloader.Result r = downloader().download(url("/files/norange.bin"), target, SHA);
        assertTrue(r.rangeIgnored());
        assertEquals("bytes=5-", ranges.get(0));
        assertArrayEquals(BODY, Files.readAllBytes(target));
    }

    @Test
    void aSecondDownloadOfTheSameFileIsRefusedWhileTheFirstHoldsTheLock() throws IOException {
        Path target = dir.resolve("w.bin");
        Path lockFile = dir.resolve("w.bin.part.lock");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock held = ch.lock()) {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> downloader().download(url("/files/w.bin"), target, SHA));
            assertTrue(e.getMessage().contains("in use by another kd-restore process") && e.getMessage().contains("w.bin"),
                    e.getMessage());
            assertTrue(Files.exists(lockFile), "the holder's lock file must survive");
        }
        assertTrue(ranges.isEmpty());
        downloader().download(url("/files/w.bin"), target, SHA);
        assertTrue(Files.readString(lockFile).startsWith("pid " + ProcessHandle.current().pid()),
                "the lock file stays, naming its last holder (the OS lock, not the file, is what excludes)");
    }

    @Test
    void partFileAsLongAsTheWholeFileStartsOverAfter416() throws IOException {
        Path target = dir.resolve("w.bin");
        Files.write(Downloader.partFile(target), new byte[BODY.length]); // right size, wrong bytes
        Downloader.Result r = downloader().download(url("/files/w.bin"), target, SHA);
        assertEquals(List.of("bytes=" + BODY.length + "-", ""), ranges);
        assertEquals(SHA, r.sha256());
    }

    @Test
    void torchvisionStyleNameHashIsCheckedAndTheFullHashIsRecordedOnFirstDownload() throws IOException {
        WeightsCache cache = new WeightsCache(dir.resolve("cache"));
        String prefix = SHA.substring(0, 8);
        KnownWeights w = new KnownWeights("test", url("/files/w-" + prefix + ".pth").toString(),
                "w-" + prefix + ".pth", prefix, "test entry");
        Downloader.Result first = cache.fetch(w, null, null, downloader());
        assertEquals(cache.pathFor(w), first.file());
        assertEquals(SHA, WeightsCache.recordedSha256(cache.pathFor(w)).orElseThrow());
        Downloader.Result again = cache.fetch(w, null, null, downloader());
        assertTrue(again.alreadyPresent());
        assertEquals(1, ranges.size(), "a verified cached file needs no request");

        KnownWeights bad = new KnownWeights("bad", url("/files/w-deadbeef.pth").toString(), "w-deadbeef.pth",
                "deadbeef", "wrong prefix");
        UserInputException e = assertThrows(UserInputException.class, () -> cache.fetch(bad, null, null, downloader()));
        assertTrue(e.getMessage().contains("deadbeef") && e.getMessage().contains(SHA), e.getMessage());
        assertFalse(Files.exists(cache.pathFor(bad)));
        assertEquals("397923af", KnownWeights.hashPrefixFromFileName("vgg16-397923af.pth"));
        assertEquals("", KnownWeights.hashPrefixFromFileName("motion_deblurring.pth"));
    }

    @Test
    void fetchUrlIntoTheCacheChecksTheFileNameHash() throws IOException {
        WeightsCache cache = new WeightsCache(dir.resolve("cache"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> cache.fetchUrl(url("/files/model-abcdef12.pth"), null, null, downloader()));
        assertTrue(e.getMessage().contains("abcdef12"), e.getMessage());
        Downloader.Result r = cache.fetchUrl(url("/files/model.pth"), dir.resolve("o/model.pth"), SHA, downloader());
        assertEquals(dir.resolve("o/model.pth").toAbsolutePath(), r.file());
    }

    @Test
    void offlineLookupNamesTheMissingFileAndTheFetchCommandWithoutTouchingTheNetwork() throws IOException {
        WeightsCache cache = new WeightsCache(dir.resolve("cache"));
        UserInputException e = assertThrows(UserInputException.class, () -> cache.resolve("vgg16"));
        assertTrue(e.getMessage().contains("vgg16-397923af.pth") && e.getMessage().contains("kd-restore weights fetch vgg16"),
                e.getMessage());
        e = assertThrows(UserInputException.class, () -> cache.resolve(dir.resolve("none.pth").toString()));
        assertTrue(e.getMessage().contains("none.pth"), e.getMessage());
        Path cached = cache.pathFor(KnownWeights.find("vgg16").orElseThrow());
        Files.createDirectories(cached.getParent());
        Files.write(cached, new byte[] {1});
        assertEquals(cached, cache.resolve("vgg16"));
        assertTrue(ranges.isEmpty());
    }
}
