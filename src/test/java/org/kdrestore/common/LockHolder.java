package org.kdrestore.common;

import java.nio.file.Path;
import java.time.Duration;

/** A separate process for {@link ProcessLockTest}: takes the lock, says "locked", holds it until stdin closes. */
public final class LockHolder {
    private LockHolder() {}

    public static void main(String[] args) throws Exception {
        try (ProcessLock lock = ProcessLock.acquire(Path.of(args[0]), "test folder", Duration.ZERO, null)) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our stdin (or kills us)
            }
        }
    }
}
