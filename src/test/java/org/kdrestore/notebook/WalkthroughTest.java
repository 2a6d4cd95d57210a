package org.kdrestore.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.kdrestore.common.Hashing;
import org.kdrestore.common.UserInputException;
import org.kdrestore.infer.TeacherResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalkthroughTest {
    @TempDir
    Path tmp;

    private Path fakeHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.createDirectories(home.resolve("data-sample"));
        Files.writeString(home.resolve("pom.xml"), "<project/>");
        return home;
    }

    @Test
    void unknownProfileIsRefusedNamingIt() throws Exception {
        UserInputException e = assertThrows(UserInputException.class, () -> Walkthrough.of(fakeHome(), "fast"));
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());
    }

    @Test
    void homeWithoutDataSampleIsRefused() {
        UserInputException e = assertThrows(UserInputException.class, () -> Walkthrough.of(tmp, "quick"));
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    }

    @Test
    void homeIsFoundFromASubfolderAndWorkIsUnderIt() throws Exception {
        Path home = fakeHome();
        Path nb = Files.createDirectories(home.resolve("notebooks"));
        assertEquals(home, Walkthrough.findHome(nb));
        Walkthrough w = Walkthrough.of(home, "full");
        assertFalse(w.quick());
        assertEquals(home.resolve("work").resolve("notebooks"), w.work());
    }

    @Test
    void freshRunEmptiesOnlyItsOwnFolderAndRejectsPaths() throws Exception {
        Walkthrough w = Walkthrough.of(fakeHome(), "quick");
        Path run = w.freshRun("a");
        Files.writeString(run.resolve("old.txt"), "x");
        Path other = w.freshRun("b");
        Files.writeString(other.resolve("keep.txt"), "y");
        assertFalse(Files.exists(w.freshRun("a").resolve("old.txt")));
        assertTrue(Files.exists(other.resolve("keep.txt")));
        assertThrows(UserInputException.class, () -> w.freshRun("../x"));
        assertThrows(UserInputException.class, () -> w.freshRun(""));
    }

    @Test
    void standInTeacherIsWrittenOnceLoadsStrictlyAndIsReusedAsIs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("stand-in"));
        TeacherResolver.Resolved a = Walkthrough.standInTeacher(dir, 7);
        assertEquals(2, a.config().dim());
        try (var m = org.kdrestore.common.Engines.newManager()) {
            a.load(m); // strict by-name load: the saved names are the model's
        }
        String sha = Hashing.sha256(a.weights());
        TeacherResolver.Resolved b = Walkthrough.standInTeacher(dir, 7);
        assertEquals(sha, b.sha256());
    }
}
