package org.kdrestore.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {
    private static final String LIBC = "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6";

    @Test
    void aPreloadedTcmallocInTheMapsIsNamedWithItsPath() {
        String tc = "7f1c29000000-7f1c29010000 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10";
        assertEquals("tcmalloc (/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10)", NativeAllocator.describe(List.of(LIBC, tc)));
    }

    @Test
    void withoutAPreloadedAllocatorItIsGlibc() {
        // a file that merely mentions the name in a folder does not count
        String other = "7f1c29000000-7f1c29010000 r-xp 00000000 08:01 99 /opt/tcmalloc-notes/libfoo.so";
        assertEquals("glibc malloc", NativeAllocator.describe(List.of(LIBC, other)));
    }

    @Test
    void glibcNamesTheMallocTunablesInForceAndOnlyThose() {
        assertEquals("glibc malloc (GLIBC_TUNABLES glibc.malloc.mmap_max=0:glibc.malloc.arena_max=1)",
                NativeAllocator.describe(List.of(LIBC), "glibc.malloc.mmap_max=0:glibc.pthread.rseq=0:glibc.malloc.arena_max=1"));
        assertEquals("glibc malloc", NativeAllocator.describe(List.of(LIBC), "glibc.pthread.rseq=0"));
        assertEquals("glibc malloc", NativeAllocator.describe(List.of(LIBC), null));
        String tc = "7f1c29000000-7f1c29010000 r-xp 00000000 08:01 99 /usr/lib/libtcmalloc_minimal.so.4";
        assertEquals("tcmalloc (/usr/lib/libtcmalloc_minimal.so.4)", NativeAllocator.describe(List.of(LIBC, tc), "glibc.malloc.mmap_max=0"));
    }
}
