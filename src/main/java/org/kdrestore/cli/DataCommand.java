package org.kdrestore.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.UserInputException;
import org.kdrestore.data.Wallpapers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Real photos from Debian's plasma-workspace-wallpapers and lomiri-wallpapers packages.",
        subcommands = {DataCommand.Photos.class, DataCommand.Sample.class})
public final class DataCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    abstract static class Base implements Callable<Integer> {
        @Option(names = "--output", required = true, description = "Folder for the photos and LICENSES.md (created if missing).")
        Path output;

        @Option(names = "--wallpapers", defaultValue = "/usr/share/wallpapers",
                description = "Where plasma-workspace-wallpapers' wallpapers are (default: ${DEFAULT-VALUE}).")
        Path wallpapers;

        @Mixin
        JsonOption out;

        /** The plasma wallpapers to export, from {@link #wallpapers} (installed first when missing). */
        List<Wallpapers.Wallpaper> plasma() throws Exception {
            Wallpapers.ensureInstalled(wallpapers);
            List<Wallpapers.Wallpaper> chosen = choose(Wallpapers.scan(wallpapers));
            if (chosen.isEmpty()) {
                throw new UserInputException("no landscape wallpapers found under " + wallpapers);
            }
            return chosen;
        }

        abstract List<Wallpapers.Wallpaper> choose(List<Wallpapers.Wallpaper> all);

        /** What to export; the plasma wallpapers unless a subcommand says otherwise. */
        List<Wallpapers.Wallpaper> photos() throws Exception {
            return plasma();
        }

        @Override
        public Integer call() throws Exception {
            List<Wallpapers.Wallpaper> chosen = photos();
            List<Wallpapers.Exported> done = Wallpapers.export(chosen, output, out.json);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Wallpapers.Exported e : done) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("file", e.file());
                r.put("wallpaper", e.wallpaper().name());
                r.put("author", e.wallpaper().author());
                r.put("license", e.wallpaper().license());
                r.put("source", e.wallpaper().image().toString());
                r.put("framing", e.framing());
                r.put("sha256", e.sha256());
                rows.add(r);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("output", output.toString());
            result.put("photos", rows);
            out.print(result, "wrote " + done.size() + " photos (1920x1080 JPEG) and LICENSES.md to " + output);
            return 0;
        }
    }

    @Command(name = "photos", mixinStandardHelpOptions = true,
            description = {"Build the larger training set: one landscape photo per wallpaper (largest 16:9 image, "
                    + "centre-cropped and resized to 1920x1080 with INTER_AREA, JPEG q95), LICENSES.md beside them.",
                    "Installs the chosen sources' Debian packages with apt-get when missing and run as root; otherwise says how.",
                    "--source lomiri: the 14 natural photographs of lomiri-wallpapers-16.04 and -20.04."})
    static final class Photos extends Base {
        @Option(names = "--source", defaultValue = "plasma",
                description = "plasma (plasma-workspace-wallpapers), lomiri (lomiri-wallpapers-16.04 and -20.04) or all (default: ${DEFAULT-VALUE}).")
        String source;

        @Option(names = "--photos-only", description = "Only the photographs (skip drawn or rendered plasma wallpapers; lomiri gives photographs only).")
        boolean photosOnly;

        @Option(names = "--backgrounds", defaultValue = "/usr/share/backgrounds",
                description = "Where the lomiri packages' images are (default: ${DEFAULT-VALUE}).")
        Path backgrounds;

        @Option(names = "--docs", defaultValue = "/usr/share/doc",
                description = "Where the lomiri packages' copyright files are, <docs>/<package>/copyright (default: ${DEFAULT-VALUE}).")
        Path docs;

        @Override
        List<Wallpapers.Wallpaper> photos() throws Exception {
            return Wallpapers.collect(Wallpapers.Source.parse(source), wallpapers, backgrounds, docs, photosOnly);
        }

        @Override
        List<Wallpapers.Wallpaper> choose(List<Wallpapers.Wallpaper> all) {
            return photosOnly ? all.stream().filter(w -> Wallpapers.PHOTOGRAPHS.contains(w.stem())).toList() : all;
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true,
            description = "Rebuild data-sample/: the six sample photos and their LICENSES.md.")
    static final class Sample extends Base {
        @Override
        List<Wallpapers.Wallpaper> choose(List<Wallpapers.Wallpaper> all) {
            List<Wallpapers.Wallpaper> s = all.stream().filter(w -> Wallpapers.SAMPLE.contains(w.stem())).toList();
            if (s.size() != Wallpapers.SAMPLE.size()) {
                throw new UserInputException("the sample wallpapers " + Wallpapers.SAMPLE + " are not all under " + wallpapers);
            }
            return s;
        }
    }
}
