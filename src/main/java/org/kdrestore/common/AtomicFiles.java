package org.kdrestore.common;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files so that a reader never sees a half-written one: the bytes go to a temporary
 * file in the same folder, which is renamed over the target only once complete. An error or a
 * kill leaves the old file (if any) untouched.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Something that writes to a stream and may fail with an IOException. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Whether {@code file} is the temporary of a write that never finished (a process killed in
     * the middle): hidden, ".NAME.RANDOM.tmp.EXT". Never a result; safe to delete or ignore.
     */
    public static boolean isTemporary(Path file) {
        String n = file.getFileName().toString();
        return n.startsWith(".") && n.contains(".tmp");
    }

    /** Something that writes a whole file at the given (temporary) path. */
    @FunctionalInterface
    public interface PathWriter {
        void write(Path tmp) throws IOException;
    }

    public static void write(Path target, StreamWriter writer) throws IOException {
        writeVia(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
        });
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Lets a writer that insists on a path (OpenCV's imwrite, say) fill a temporary file whose
     * name keeps the target's extension, then renames it into place.
     */
    public static void writeVia(Path target, PathWriter writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
        } catch (AccessDeniedException e) {
            throw new UserInputException("cannot create output folder " + dir + ": permission denied", e);
        }
        if (!Files.isWritable(dir)) {
            throw new UserInputException("output folder is not writable: " + dir);
        }
        String name = abs.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 ? name.substring(dot) : "";
        Path tmp = Files.createTempFile(dir, "." + (dot > 0 ? name.substring(0, dot) : name) + ".", ".tmp" + ext);
        boolean crashed = false;
        try {
            try {
                writer.write(tmp);
            } catch (IOException e) {
                throw NoSpaceLeftException.isDiskFull(e, dir) && !(e instanceof NoSpaceLeftException) ? new NoSpaceLeftException(abs, e) : e;
            }
            if (name.equals(System.getProperty(CRASH_WRITE)) && System.clearProperty(CRASH_WRITE) != null) {
                // what a process killed mid-write leaves: half a temporary, never renamed
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() / 2);
                }
                crashed = true;
                throw new IOException("injected crash half-way through writing " + abs + " (test hook " + CRASH_WRITE + ")");
            }
            // createTempFile makes 0600 files; outputs are meant to be shared like any other file.
            keepModeOrDefault(abs, tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            if (!crashed) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Test hook: the first write of a file of this name (no folder) stops half-way as if its process
     * were killed, leaving half a temporary behind, and throws; later writes of it are normal.
     */
    public static final String CRASH_WRITE = "kdrestore.debug.crashWriteOf";

    private static void keepModeOrDefault(Path target, Path tmp) throws IOException {
        try {
            Set<PosixFilePermission> mode = Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, mode);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the platform's default applies.
        }
    }
}
