package org.kdrestore.common;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * One process at a time in a folder (a run folder, a teacher cache, a sweep, a download): an OS
 * lock on a lock file, with the holder's PID, start time and command written in the file so that
 * another process can say who holds it.
 *
 * <p>The stale-lock rule: the OS lock is the truth, the file's text only says who took it last.
 * A process that dies, even by SIGKILL, loses its lock with it, so a lock file left behind is
 * simply taken over by the next process; a lock held by a live process is never broken. The file
 * itself is never deleted (deleting it would let a waiting process and a new one lock two
 * different files).
 */
public final class ProcessLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ProcessLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock on {@code lockFile} (its folder must exist).
     *
     * @param what names what is locked in messages ("run folder work/run", "teacher cache …")
     * @param wait how long to wait for another holder; {@link Duration#ZERO}: stop at once
     * @param log where the one "waiting for …" line goes (null: nowhere)
     * @throws UserInputException when another process still holds it after {@code wait}, naming it
     */
    public static ProcessLock acquire(Path lockFile, String what, Duration wait, PrintStream log) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            Instant deadline = Instant.now().plus(wait);
            boolean said = false;
            while (true) {
                FileLock l = tryLock(ch);
                if (l != null) {
                    String me = "pid " + ProcessHandle.current().pid() + ", started " + Instant.now() + ", command "
                            + System.getProperty("sun.java.command", "?") + "\n";
                    ch.truncate(0);
                    ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
                    ch.force(false);
                    return new ProcessLock(ch, l);
                }
                if (!Instant.now().isBefore(deadline)) {
                    throw new UserInputException(what + " is in use by another kd-restore process (" + holder(lockFile)
                            + "; lock " + lockFile + "): wait for it to finish or stop it");
                }
                if (!said && log != null) {
                    log.println("waiting for " + what + ": another kd-restore process holds it (" + holder(lockFile) + ")");
                    said = true;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + what, e);
                }
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by this JVM (another thread, or a notebook cell still running): the same as another process
        }
    }

    /** The holder's line from the lock file ("pid …, started …, command …"), or a note when it cannot be read. */
    static String holder(Path lockFile) {
        try {
            String s = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "holder unknown" : s;
        } catch (IOException e) {
            return "holder unknown";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
