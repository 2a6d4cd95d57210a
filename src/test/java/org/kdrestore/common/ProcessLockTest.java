package org.kdrestore.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessLockTest {
    @TempDir
    Path tmp;

    private static Process holder(Path lockFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                lockFile.toString())).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", r.readLine());
        return p;
    }

    /** Another process holds it: refused at once, naming the holder's PID; after a SIGKILL of the holder the lock is free. */
    @Test
    void aLockHeldByAnotherProcessIsRefusedNamingItAndFreedWhenItIsKilled() throws Exception {
        Path lockFile = tmp.resolve(".lock");
        Process p = holder(lockFile);
        try {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> ProcessLock.acquire(lockFile, "run folder X", Duration.ZERO, null));
            assertTrue(e.getMessage().contains("run folder X is in use by another kd-restore process")
                    && e.getMessage().contains("pid " + p.pid()), e.getMessage());
            // Waiting a little changes nothing while the holder lives.
            assertThrows(UserInputException.class, () -> ProcessLock.acquire(lockFile, "run folder X", Duration.ofMillis(500), null));
        } finally {
            p.destroyForcibly(); // SIGKILL: the holder cannot clean up; the lock file stays behind
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(Files.exists(lockFile), "a killed holder leaves its lock file");
        try (ProcessLock l = ProcessLock.acquire(lockFile, "run folder X", Duration.ZERO, null)) {
            assertTrue(Files.readString(lockFile).startsWith("pid " + ProcessHandle.current().pid() + ","),
                    "the stale file is taken over and names the new holder");
        }
    }

    /** A waiting acquirer gets the lock once the holder lets go, and says once that it waits. */
    @Test
    void aWaitingProcessGetsTheLockWhenTheHolderFinishes() throws Exception {
        Path lockFile = tmp.resolve(".lock");
        Process p = holder(lockFile);
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(700);
                p.getOutputStream().close(); // the holder exits normally
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        release.start();
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (ProcessLock l = ProcessLock.acquire(lockFile, "teacher cache C", Duration.ofSeconds(30),
                new java.io.PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertTrue(log.toString(StandardCharsets.UTF_8).startsWith("waiting for teacher cache C"), log.toString());
        } finally {
            release.join();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
