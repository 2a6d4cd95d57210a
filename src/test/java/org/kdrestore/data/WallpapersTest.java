package org.kdrestore.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdrestore.common.UserInputException;

class WallpapersTest {
    @TempDir
    Path tmp;

    /** A fake wallpaper folder laid out like the Debian package (metadata + contents/images with links). */
    private Path fakeRoot() throws IOException {
        Path root = tmp.resolve("wallpapers");
        Path a = Files.createDirectories(root.resolve("Lake/contents/images"));
        Files.writeString(root.resolve("Lake/metadata.json"),
                "{\"KPlugin\": {\"Name\": \"Lake View\", \"Authors\": [{\"Name\": \"Ann Author\"}], \"License\": \"LGPLv3\"}}");
        TestImages.writeFrame(a.resolve("2560x1600.png"), 0); // a lie about its size, like Debian's links
        Files.createSymbolicLink(a.resolve("3840x2160.png"), a.resolve("2560x1600.png"));
        Images.write(a.resolve("1080x1920.png"), TestImages.u8(8, 16));
        Path b = Files.createDirectories(root.resolve("Rocket/contents/images"));
        Files.writeString(root.resolve("Rocket/metadata.desktop"),
                "[Desktop Entry]\nName=Rocket Art\nName[de]=Rakete\nX-KDE-PluginInfo-Author=Bo Painter\nX-KDE-PluginInfo-License=CC-BY-SA-4.0\n");
        TestImages.writeFrame(b.resolve("1920x1080.png"), 9);
        Files.createDirectories(root.resolve("NoImages"));
        return root;
    }

    @Test
    void scanReadsMetadataAndPicksTheLargestRealLandscapeImage() throws IOException {
        List<Wallpapers.Wallpaper> all = Wallpapers.scan(fakeRoot());
        assertEquals(2, all.size());
        Wallpapers.Wallpaper lake = all.get(0);
        assertEquals("Lake View", lake.name());
        assertEquals("Ann Author", lake.author());
        assertEquals("LGPLv3", lake.license());
        // the 3840x2160 name is only a link to the 2560x1600 file; the portrait one is never chosen
        assertEquals("2560x1600.png", lake.image().getFileName().toString());
        Wallpapers.Wallpaper rocket = all.get(1);
        assertEquals("Rocket Art", rocket.name());
        assertEquals("Bo Painter", rocket.author());
        assertEquals("CC-BY-SA-4.0", rocket.license());
    }

    @Test
    void exportWritesFullHdJpegsAndLicences() throws IOException {
        Path out = tmp.resolve("out");
        List<Wallpapers.Exported> done = Wallpapers.export(Wallpapers.scan(fakeRoot()), out, true);
        assertEquals(2, done.size());
        var m = Images.readBgr8(out.resolve("Lake.jpg"));
        assertEquals(1920, m.cols());
        assertEquals(1080, m.rows());
        String lic = Files.readString(out.resolve("LICENSES.md"));
        assertTrue(lic.contains("| Lake.jpg | Lake View (`Lake`) | Ann Author | LGPLv3 |"), lic);
        assertTrue(lic.contains("Bo Painter") && lic.contains("CC-BY-SA-4.0"), lic);
    }

    @Test
    void thePlasmaLicenceFileKeepsItsLayout() throws IOException {
        Path out = tmp.resolve("out");
        Wallpapers.export(Wallpapers.scan(fakeRoot()), out, true);
        String lic = Files.readString(out.resolve("LICENSES.md"));
        // one package: named in the opening line, no package column, its copyright file quoted
        assertTrue(lic.startsWith("# Photo licences\n\nThese photos come from Debian's `plasma-workspace-wallpapers` package"), lic);
        assertTrue(lic.contains("\n| file | wallpaper | author | licence | original (in contents/images) | processing | sha256 |\n"
                + "| --- | --- | --- | --- | --- | --- | --- |\n| Lake.jpg | Lake View (`Lake`) |"), lic);
        assertTrue(lic.contains("\n## Debian copyright file (`/usr/share/doc/plasma-workspace-wallpapers/copyright`)\n\n"), lic);
        assertFalse(lic.contains("lomiri"), lic);
    }

    @Test
    void twoPhotosWithOneFileNameAreRefused() throws IOException {
        List<Wallpapers.Wallpaper> all = Wallpapers.scan(fakeRoot());
        Wallpapers.Wallpaper twin = all.get(1);
        List<Wallpapers.Wallpaper> both = List.of(all.get(0), new Wallpapers.Wallpaper(twin.pkg(), twin.copyright(), "Lake",
                twin.name(), twin.author(), twin.license(), twin.image(), twin.width(), twin.height()));
        UserInputException e = assertThrows(UserInputException.class, () -> Wallpapers.export(both, tmp.resolve("out"), true));
        assertTrue(e.getMessage().contains("Lake.jpg") && e.getMessage().contains(twin.image().toString()), e.getMessage());
    }

    @Test
    void sourcesParse() {
        assertEquals(List.of(Wallpapers.Source.PLASMA), Wallpapers.Source.parse("plasma"));
        assertEquals(List.of(Wallpapers.Source.LOMIRI), Wallpapers.Source.parse("Lomiri"));
        assertEquals(List.of(Wallpapers.Source.PLASMA, Wallpapers.Source.LOMIRI), Wallpapers.Source.parse("all"));
        UserInputException e = assertThrows(UserInputException.class, () -> Wallpapers.Source.parse("gnome"));
        assertTrue(e.getMessage().contains("'gnome'") && e.getMessage().contains("plasma, lomiri or all"), e.getMessage());
    }

    /** A made-up DEP-5 file: header, a multi-holder stanza, a glob, comments, licence paragraphs with text. */
    private static final String COPYRIGHT_TEXT = """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: pictures

            Files: *
            Copyright: 2001, Somebody Else
            License: GPL-2+

            # a comment line, skipped
            Files: 16.04/Lake_by_Ann.jpg
             16.04/Pond_by_Ann.jpg
            copyright: Ann Author, 2018
                       2019, Bo Second <bo@example.org>
            License: CC-BY-4.0

            Files: 20.04/Hill_*.jpg
            Copyright: "Cy", 2021
            License: CC0-1.0
             Public domain text
             .
             second paragraph

            License: CC-BY-4.0
             Attribution 4.0 International
            """;

    @Test
    void dep5ParserReadsStanzasAndFindsAFilesParagraph() {
        List<Dep5.Stanza> st = Dep5.parse(COPYRIGHT_TEXT);
        assertEquals(5, st.size());
        assertEquals("pictures", st.get(0).get("Upstream-Name").orElseThrow());
        Dep5.Stanza lake = Dep5.filesStanza(st, "16.04/Lake_by_Ann.jpg").orElseThrow();
        assertEquals(List.of("Ann Author, 2018", "2019, Bo Second <bo@example.org>"), lake.lines("Copyright"));
        assertEquals("CC-BY-4.0", lake.firstLine("License"));
        assertEquals(lake, Dep5.filesStanza(st, "16.04/Pond_by_Ann.jpg").orElseThrow()); // second pattern of the paragraph
        Dep5.Stanza hill = Dep5.filesStanza(st, "20.04/Hill_2.jpg").orElseThrow(); // glob
        assertEquals(List.of("\"Cy\", 2021"), hill.lines("Copyright"));
        assertEquals("CC0-1.0", hill.firstLine("License"));
        assertEquals("CC0-1.0\nPublic domain text\n\nsecond paragraph", hill.get("license").orElseThrow());
        // anything else falls to "Files: *"; without it, nothing matches
        assertEquals("GPL-2+", Dep5.filesStanza(st, "16.04/Other.jpg").orElseThrow().firstLine("License"));
        assertTrue(Dep5.filesStanza(st.subList(2, 5), "16.04/Other.jpg").isEmpty());
        assertEquals("GPL-2+", Dep5.filesStanza(st, "16.04/Lake_by_Ann.jpgx").orElseThrow().firstLine("License")); // whole names only
    }

    @Test
    void lomiriNamesAMissingPackageAndSaysHowToInstallIt() throws IOException, InterruptedException {
        Path backgrounds = Files.createDirectories(tmp.resolve("backgrounds"));
        Path docs = Files.createDirectories(tmp.resolve("doc"));
        LomiriWallpapers.ensureInstalled(backgrounds, docs); // folders of one's own are taken as given: nothing is installed
        UserInputException e = assertThrows(UserInputException.class, () -> LomiriWallpapers.photos(backgrounds, docs));
        assertTrue(e.getMessage().contains("lomiri-wallpapers-16.04 is not installed")
                && e.getMessage().contains("apt-get install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04"), e.getMessage());
    }

    @Test
    void lomiriNamesAPhotoMissingFromTheCopyrightFile() throws IOException {
        Path backgrounds = Files.createDirectories(tmp.resolve("backgrounds"));
        Path docs = tmp.resolve("doc");
        Path copyright = Files.createDirectories(docs.resolve("lomiri-wallpapers-16.04")).resolve("copyright");
        Files.writeString(copyright, "Files: 16.04/Dragonfly_by_Bolly.jpg\nCopyright: x\nLicense: CC0-1.0\n");
        Files.writeString(backgrounds.resolve("Bridge_by_Sander_Klootwijk.jpg"), "");
        UserInputException e = assertThrows(UserInputException.class, () -> LomiriWallpapers.photos(backgrounds, docs));
        assertTrue(e.getMessage().contains("Files: 16.04/Bridge_by_Sander_Klootwijk.jpg") && e.getMessage().contains(copyright.toString())
                && e.getMessage().contains("apt-get install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04"), e.getMessage());
        Files.delete(backgrounds.resolve("Bridge_by_Sander_Klootwijk.jpg"));
        e = assertThrows(UserInputException.class, () -> LomiriWallpapers.photos(backgrounds, docs));
        assertTrue(e.getMessage().contains(backgrounds.resolve("Bridge_by_Sander_Klootwijk.jpg") + " (from lomiri-wallpapers-16.04) is missing")
                && e.getMessage().contains("apt-get install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04"), e.getMessage());
    }

    @Test
    void exportsTheLomiriPhotosWhenThePackagesAreInstalled() throws IOException {
        assumeTrue(Files.isRegularFile(Path.of("/usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg")),
                "lomiri-wallpapers-16.04 and -20.04 are not installed");
        List<Wallpapers.Wallpaper> photos = LomiriWallpapers.photos(LomiriWallpapers.DEFAULT_BACKGROUNDS, LomiriWallpapers.DEFAULT_DOCS);
        Path out = tmp.resolve("lomiri");
        List<Wallpapers.Exported> done = Wallpapers.export(photos, out, true);
        assertEquals(14, done.size());
        String lic = Files.readString(out.resolve("LICENSES.md"));
        for (Wallpapers.Exported e : done) {
            Wallpapers.Wallpaper w = e.wallpaper();
            var m = Images.readBgr8(out.resolve(e.file()));
            assertEquals(1920, m.cols(), e.file());
            assertEquals(1080, m.rows(), e.file());
            m.release();
            assertTrue(lic.contains("| " + e.file() + " | " + w.pkg() + " | " + w.name() + " (`" + w.stem() + "`) | "
                    + w.author() + " | " + w.license() + " | "), e.file());
        }
        try (var files = Files.list(out)) {
            assertEquals(15, files.count()); // 14 photos and LICENSES.md
        }
        // golden values, read by hand from /usr/share/doc/lomiri-wallpapers-*/copyright
        assertTrue(lic.contains("| Bridge_by_Sander_Klootwijk.jpg | lomiri-wallpapers-16.04 | Bridge (`Bridge_by_Sander_Klootwijk`) "
                + "| 2018. Sander Klootwijk | CC-BY-SA-4.0 | Bridge_by_Sander_Klootwijk.jpg, 4352x2448 |"), lic);
        assertTrue(lic.contains("| Kleiber_by_Lukas_Baubkus.jpg | lomiri-wallpapers-20.04 | Kleiber (`Kleiber_by_Lukas_Baubkus`) "
                + "| 2021, Lukas Baubkus | CC-BY-SA-3.0 |"), lic);
        assertTrue(lic.contains("| Wine_by_Jakkub_Mede.jpg | lomiri-wallpapers-16.04 | Wine (`Wine_by_Jakkub_Mede`) | Jakub Mede, 2018 "
                + "| CC-BY-4.0 | Wine_by_Jakkub_Mede.jpg, 2560x3837 | centre crop 2560x1440 at (0,1198), "), lic);
        assertTrue(lic.contains("| seeding_by_Clements_Engelhardt.jpg | lomiri-wallpapers-16.04 | seeding (`seeding_by_Clements_Engelhardt`) "
                + "| Clemens Engelhardt, 2018 | CC0-1.0 |"), lic);
        for (String author : List.of("\"Bolly\", 2018", "Trevor \"Freespace\", 2018", "Aitzol Berasategi, 2018", "Peter Nerlich, 2018")) {
            assertTrue(lic.contains("| " + author + " |"), author);
        }
        for (String licence : List.of("CC-BY-4.0: ", "CC-BY-SA-3.0: ", "CC-BY-SA-4.0: ", "CC0-1.0: ")) {
            assertTrue(lic.contains(licence), licence);
        }
        // both copyright files are quoted (Debian ships one text in both packages: then it is quoted once)
        assertTrue(lic.contains("\n## Debian copyright file"), lic);
        assertTrue(lic.contains("`/usr/share/doc/lomiri-wallpapers-16.04/copyright`") && lic.contains("`/usr/share/doc/lomiri-wallpapers-20.04/copyright`"), lic);
        assertTrue(lic.contains("\nFiles: 16.04/Bridge_by_Sander_Klootwijk.jpg\n"), lic);
    }

    @Test
    void missingWallpaperFolderIsNamed() {
        Path p = tmp.resolve("none");
        UserInputException e = assertThrows(UserInputException.class, () -> Wallpapers.ensureInstalled(p));
        assertTrue(e.getMessage().contains(p.toString()));
    }

    @Test
    void theShippedSampleMatchesItsLicenceFile() throws IOException {
        Path sample = Path.of("data-sample");
        assumeTrue(Files.isDirectory(sample), "run from the repository root");
        String lic = Files.readString(sample.resolve("LICENSES.md"));
        long total = 0;
        for (String w : Wallpapers.SAMPLE) {
            Path f = sample.resolve(w + ".jpg");
            assertTrue(lic.contains("| " + w + ".jpg |"), w);
            var m = Images.readBgr8(f);
            assertEquals(1920, m.cols());
            assertEquals(1080, m.rows());
            total += Files.size(f);
        }
        assertTrue(total <= 10_000_000, "data-sample must stay within 10 MB, is " + total);
    }
}
