package org.kdrestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchCommandTest {
    @Test
    void unknownCaseExitsTwoNamingItAndTheKnownCases() {
        KdRestoreTest.Result r = KdRestoreTest.run("bench", "--case", "no-such-case");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("no-such-case") && r.err.contains("student-1080p"), r.err);
    }

    @Test
    void zeroRepeatsExitsTwo() {
        KdRestoreTest.Result r = KdRestoreTest.run("bench", "--case", "ssim-1080p", "--repeats", "0");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--repeats"), r.err);
    }
}
