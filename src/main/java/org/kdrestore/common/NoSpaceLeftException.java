package org.kdrestore.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A write that failed because the disk is full, naming the file. Thrown by {@link AtomicFiles},
 * after which the file's earlier version (if any) is intact and no partial file is left.
 */
public final class NoSpaceLeftException extends IOException {
    private static final long serialVersionUID = 1L;
    /** Below this much usable space a failed write is taken to be a full disk (OpenCV's imwrite says only "false"). */
    static final long NEARLY_FULL_BYTES = 1L << 20;

    public NoSpaceLeftException(Path file, IOException cause) {
        super("no space left on device writing " + file + "; free some space and run the command again (every file written "
                + "before is intact, and the same command continues where it stopped)", cause);
    }

    /** The first of {@code e} and its causes that says the disk is full (ENOSPC's text, or this class), or null. */
    public static Throwable diskFullCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSpaceLeftException || (t.getMessage() != null && t.getMessage().contains("No space left on device"))) {
                return t;
            }
        }
        return null;
    }

    /** Whether {@code e} (or a cause) says the disk is full, or the folder's file system has (almost) no space left. */
    public static boolean isDiskFull(Throwable e, Path dir) {
        if (diskFullCause(e) != null) {
            return true;
        }
        try {
            return dir != null && Files.getFileStore(dir).getUsableSpace() < NEARLY_FULL_BYTES;
        } catch (IOException | RuntimeException ignored) {
            return false;
        }
    }
}
