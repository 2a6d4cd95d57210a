package org.kdrestore.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.Engines;
import org.kdrestore.common.UserInputException;
import org.kdrestore.model.Fixtures;
import org.kdrestore.model.RestormerConfig;

class TeacherResolverTest {
    static final String TINY = "{\"dim\": 8, \"num_blocks\": [1,1,1,1], \"num_refinement_blocks\": 1}";

    static Path compactFolder(Path home) throws Exception {
        Path dir = Files.createDirectories(home.resolve(TeacherResolver.COMPACT_DIR));
        Files.copy(Fixtures.path("tiny_withbias.npz"), dir.resolve("restormer-s.npz"));
        Files.writeString(dir.resolve("arch-config.json"), TINY);
        Files.writeString(dir.resolve("MODEL_CARD.md"), "# restormer-s\n");
        return dir;
    }

    /**
     * The cached official file comes first, and is checked against the published digest: a file
     * that differs (here a stand-in, as the real 104 MB file cannot be had offline) is refused
     * with both digests named, not used.
     */
    @Test
    void officialWeightsInTheCacheComeFirstAndAreRefusedWhenTheirDigestDiffers(@TempDir Path tmp) throws Exception {
        compactFolder(tmp);
        Path official = Files.createDirectories(tmp.resolve("cache/weights")).resolve("motion_deblurring.pth");
        Files.writeString(official, "stand-in");
        UserInputException e = assertThrows(UserInputException.class, () -> TeacherResolver.resolve(tmp, tmp.resolve("cache")));
        assertTrue(e.getMessage().contains("194e38fb5b607c9dc5a5b3e08e65b2e79ee2bf0ef5048e0612f6b2ff2f79da31"), e.getMessage());
        assertTrue(e.getMessage().contains(org.kdrestore.common.Hashing.sha256(official)), e.getMessage());
    }

    /** The published digest of the v1.0 release's motion_deblurring.pth (pinned by several independent projects). */
    @Test
    void theOfficialTeacherIsPinnedToItsFullPublishedDigest() {
        assertEquals("194e38fb5b607c9dc5a5b3e08e65b2e79ee2bf0ef5048e0612f6b2ff2f79da31",
                org.kdrestore.weights.KnownWeights.find("restormer-motion-deblurring").orElseThrow().sha256());
    }

    @Test
    void withoutOfficialWeightsTheShippedCompactTeacherLoads(@TempDir Path tmp) throws Exception {
        Path dir = compactFolder(tmp);
        TeacherResolver.Resolved r = TeacherResolver.resolve(tmp, tmp.resolve("empty-cache"));
        assertEquals(TeacherResolver.Kind.COMPACT, r.kind());
        assertEquals(8, r.config().dim());
        assertEquals(dir.resolve("MODEL_CARD.md"), r.modelCard());
        assertEquals(64, r.sha256().length());
        try (NDManager m = Engines.newManager()) {
            assertNotNull(r.load(m));
        }
        assertEquals("compact", r.toMap().get("kind"));
    }

    @Test
    void askingForOneKindSkipsTheOtherOrSaysItIsMissing(@TempDir Path tmp) throws Exception {
        compactFolder(tmp);
        Path official = Files.createDirectories(tmp.resolve("cache/weights")).resolve("motion_deblurring.pth");
        Files.writeString(official, "stand-in");
        assertEquals(TeacherResolver.Kind.COMPACT,
                TeacherResolver.resolve(tmp, tmp.resolve("cache"), TeacherResolver.Kind.COMPACT).kind());
        UserInputException e = assertThrows(UserInputException.class,
                () -> TeacherResolver.resolve(tmp, tmp.resolve("other-cache"), TeacherResolver.Kind.OFFICIAL));
        assertTrue(e.getMessage().contains("weights fetch restormer-motion-deblurring"), e.getMessage());
    }

    @Test
    void withNeitherTheRefusalNamesBothOptions(@TempDir Path tmp) {
        UserInputException e = assertThrows(UserInputException.class, () -> TeacherResolver.resolve(tmp, tmp.resolve("c")));
        assertTrue(e.getMessage().contains("motion_deblurring.pth") && e.getMessage().contains("models/restormer-s")
                && e.getMessage().contains("weights fetch"), e.getMessage());
    }

    @Test
    void aCompactFolderWithTwoWeightsFilesIsRefusedByName(@TempDir Path tmp) throws Exception {
        Path dir = compactFolder(tmp);
        Files.copy(Fixtures.path("tiny_withbias.npz"), dir.resolve("other.npz"));
        UserInputException e = assertThrows(UserInputException.class, () -> TeacherResolver.resolve(tmp, tmp.resolve("c")));
        assertTrue(e.getMessage().contains("other.npz") && e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void badConfigValuesNameTheFileAndKey(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("cfg.json");
        Files.writeString(cfg, "{\"dim\": \"eight\"}");
        UserInputException e = assertThrows(UserInputException.class, () -> TeacherResolver.readConfig(cfg));
        assertTrue(e.getMessage().contains(cfg.toString()) && e.getMessage().contains("dim"), e.getMessage());
    }
}
