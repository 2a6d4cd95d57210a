package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Hashing;

/**
 * A full disk: {@code prepare}, {@code teacher cache} and a training checkpoint written onto a
 * small tmpfs that runs out of space. Each fails with one line, "no space left on device writing
 * FILE"; a file that was there before is intact, every new file is whole or absent (no
 * temporaries left); after the space is freed (the tmpfs grown) the same command finishes with
 * the outputs of a run that never ran out. Needs root to mount a tmpfs; otherwise skipped, saying so.
 */
class DiskFullTest {
    @TempDir
    static Path tmp;

    static TwoPhotoInputs in;
    final List<Path> mounts = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        in = TwoPhotoInputs.create(tmp);
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            sh("umount", m.toString());
        }
    }

    static int sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    /** A tmpfs of {@code bytes} at a new folder, with one earlier file on it; skips the test when it cannot be mounted. */
    Path smallDisk(String name, long bytes) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "skipped: mounting a tmpfs needs root");
        Path dir = Files.createDirectories(tmp.resolve(name));
        Assumptions.assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=" + (bytes / 1024) + "k", "tmpfs", dir.toString()) == 0,
                "skipped: mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
        mounts.add(dir);
        byte[] earlier = new byte[16 * 1024];
        new Random(1).nextBytes(earlier);
        Files.write(dir.resolve("earlier.bin"), earlier);
        return dir;
    }

    static void grow(Path disk, long bytes) throws Exception {
        assertEquals(0, sh("mount", "-o", "remount,size=" + (bytes / 1024) + "k", disk.toString()));
    }

    static long bytesUnder(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** One error line naming a file on the full disk; the earlier file intact; no temporaries; whole outputs only. */
    static void assertFailedCleanly(KdRestoreTest.Result r, Path disk, String earlierSha) throws IOException {
        assertEquals(1, r.code, r.err);
        List<String> lines = r.err.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), r.err);
        assertTrue(lines.get(0).startsWith("error: no space left on device writing " + disk), lines.get(0));
        assertEquals(earlierSha, Hashing.sha256(disk.resolve("earlier.bin")));
        KillAnywhereTest.assertNothingHalfWritten(disk);
        try (Stream<Path> s = Files.walk(disk)) {
            assertEquals(List.of(), s.filter(org.kdrestore.common.AtomicFiles::isTemporary).toList(), "no temporaries left");
        }
    }

    @Test
    void prepareOnAFullDiskFailsCleanlyAndFinishesOnceThereIsSpace() throws Exception {
        long need = bytesUnder(in.prepared());
        Path disk = smallDisk("prepare-disk", need / 2);
        String earlier = Hashing.sha256(disk.resolve("earlier.bin"));
        Path out = disk.resolve("data");
        List<String> args = List.of("prepare", "--input", in.photos().toString(), "--output", out.toString());
        assertFailedCleanly(KdRestoreTest.run(args.toArray(String[]::new)), disk, earlier);
        grow(disk, 2 * need + (1 << 20));
        KdRestoreTest.Result r = KdRestoreTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code, r.err);
        assertEquals(KillAnywhereTest.files(in.prepared(), n -> true), KillAnywhereTest.files(out, n -> true));
    }

    @Test
    void teacherCacheOnAFullDiskFailsCleanlyAndFinishesOnceThereIsSpace() throws Exception {
        Path whole = tmp.resolve("cache-whole");
        List<String> base = List.of("teacher", "cache", "--data", in.prepared().toString(), "--weights", in.teacher().weights().toString(),
                "--arch-config", in.teacher().config().toString(), "--cache");
        assertEquals(0, run(base, whole).code);
        long need = bytesUnder(whole);
        Path disk = smallDisk("cache-disk", need / 2);
        String earlier = Hashing.sha256(disk.resolve("earlier.bin"));
        Path cache = disk.resolve("cache");
        assertFailedCleanly(run(base, cache), disk, earlier);
        grow(disk, 2 * need + (1 << 20));
        assertEquals(0, run(base, cache).code);
        assertEquals(KillAnywhereTest.files(whole, n -> n.endsWith(".png")), KillAnywhereTest.files(cache, n -> n.endsWith(".png")));
    }

    @Test
    void aCheckpointOnAFullDiskFailsCleanlyAndTheRunResumesOnceThereIsSpace() throws Exception {
        List<String> train = List.of("distill", "--config", "quick", "--data", in.prepared().toString(), "--set", "train.max_steps=3",
                "--set", "train.epochs=1", "--set", "train.crop=64", "--set", "train.batch_size=2", "--set", "train.checkpoint_every=1",
                "--set", "data.val_crop=64", "--set", "data.val_max_images=1", "--set", "loss.teacher_l1=0", "--set",
                "loss.teacher_ssim=0", "--set", "loss.teacher_vgg=0", "--run-dir");
        Path whole = tmp.resolve("run-whole");
        assertEquals(0, run(train, whole).code);
        long checkpoint = whole.resolve("checkpoints/last.ckpt").toFile().length();
        // Room for run.json, the logs and the earlier file, not for a checkpoint.
        Path disk = smallDisk("run-disk", 16 * 1024 + checkpoint / 2);
        String earlier = Hashing.sha256(disk.resolve("earlier.bin"));
        Path run = disk.resolve("run");
        assertFailedCleanly(run(train, run), disk, earlier);
        grow(disk, 8 * checkpoint + (1 << 20));
        List<String> resume = new ArrayList<>(train);
        resume.add(run.toString());
        resume.add("--resume");
        KdRestoreTest.Result r = KdRestoreTest.run(resume.toArray(String[]::new));
        assertEquals(0, r.code, r.err);
        Map<String, String> a = KillAnywhereTest.tensors(whole.resolve("student.safetensors"));
        assertEquals(a, KillAnywhereTest.tensors(run.resolve("student.safetensors")));
    }

    private static KdRestoreTest.Result run(List<String> args, Path last) {
        List<String> all = new ArrayList<>(args);
        all.add(last.toString());
        return KdRestoreTest.run(all.toArray(String[]::new));
    }
}
