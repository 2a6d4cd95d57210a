#!/usr/bin/env python3
"""Writes notebooks/*.ipynb (without outputs) from the cell lists below, so cells are easy to edit.

Rerun:  /usr/bin/python3 tools/make_notebooks.py [NAME ...]   (default: all)
then:   bash tools/run-notebooks.sh --inplace                  (executes them and commits-ready outputs)
Each notebook: a parameter cell at the top (quick vs full via KD_RESTORE_PROFILE), prose before
each short code cell, only public library calls (org.kdrestore.*) in code.
"""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "notebooks")

KERNEL = {
    "kernelspec": {"name": "kd-restore", "display_name": "Java (kd-restore)", "language": "java"},
    "language_info": {"name": "java", "file_extension": ".jshell", "mimetype": "text/x-java-source"},
}

PARAMS_MD = """## Parameters
`quick` (the default, and what CI runs) keeps this notebook to well under a minute on two CPU cores;
`full` is the real thing. The profile comes from `KD_RESTORE_PROFILE`; edit the cell to override."""

NOTEBOOKS = {}

# java.util.* and java.io.* come from the kernel's init script; importing java.util.* again
# replaces that snippet in JShell and with it the kernel's static import of display(...), so
# the import cell ends by re-importing it.
IMPORTS = """import static org.rapaio.jupyter.kernel.global.Global.*;
import java.nio.file.*;"""


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    """A code cell. A trailing display(...) statement is wrapped in a block: as a bare expression
    its return value (the display id) would be shown as a second output."""
    lines = text.strip("\n").split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("display("):
            lines[i] = "{ " + lines[i]
            lines[-1] = lines[-1] + " }"
            break
        if not lines[i].startswith(" "):
            break
    return ("code", "\n".join(lines))


NOTEBOOKS["01-data-and-degradation"] = [
    md("""# 1. Data and degradation
The student learns to undo a blur. Before any network, this notebook builds the training pairs exactly as
`kd-restore prepare` does and measures how far apart the pairs are:

1. load the sample photos,
2. frame each to **1920×1080**,
3. split the frame into four **960×540 quadrants**,
4. degrade each quadrant (downscale ×4, upscale back: the seed's synthetic blur),
5. score degraded vs sharp with **SSIM** and **PSNR** — the numbers every later notebook must beat."""),
    md(PARAMS_MD),
    code(IMPORTS + """
import ai.djl.ndarray.*;
import org.opencv.core.Mat;
import org.kdrestore.common.*;
import org.kdrestore.data.*;
import org.kdrestore.metric.*;
import org.kdrestore.report.*;
import org.kdrestore.notebook.*;

var ws = Walkthrough.fromEnvironment();   // checkout from KD_RESTORE_HOME, profile from KD_RESTORE_PROFILE
int PHOTOS = ws.quick() ? 2 : 0;          // photos to score (0 = all six sample photos)
System.out.println("profile " + ws.profile() + ", checkout " + ws.home() + ", outputs under " + ws.work());"""),
    md("""## The photos
`data-sample/` ships six KDE wallpaper photos (licences in `data-sample/LICENSES.md`). Any folder of
photos works the same way with `kd-restore prepare --input DIR`."""),
    code("""List<Path> photos = ws.photos(PHOTOS);
Map<String, java.awt.image.BufferedImage> thumbs = new LinkedHashMap<>();
for (Path p : photos) thumbs.put(p.getFileName().toString(), Images.toBufferedImage(Images.readBgr8(p)));
display(Inline.labelled(thumbs));"""),
    md("""## Framing to 1920×1080
The seed resizes everything to 1920×1080. We keep the aspect ratio instead: a centred 16:9 window is cut
out and shrunk with area averaging (no aliasing); small photos are refused rather than enlarged, because an
enlarged "sharp" photo is itself blurry. `Frames.plan` says what will happen before any pixel is touched."""),
    code("""Path photo = photos.get(0);
Mat original = Images.readBgr8(photo);
var plan = Frames.plan(original.cols(), original.rows(), FrameConfig.DEFAULT, photo.toString());
Mat frame = Frames.toFrame(original, FrameConfig.DEFAULT, photo.toString());
System.out.println(plan.description() + " -> " + frame.cols() + "x" + frame.rows());"""),
    md("""## Four quadrants
Each frame becomes four 960×540 training images: top-left, top-right, bottom-left, bottom-right
(`Quadrants.split`; `Quadrants.join` puts them back)."""),
    code("""Map<Quadrant, Mat> quadrants = Quadrants.split(frame);
Map<String, java.awt.image.BufferedImage> shown = new LinkedHashMap<>();
quadrants.forEach((q, m) -> shown.put(q.id(), Images.toBufferedImage(m)));
display(Inline.labelled(shown));"""),
    md("""## Degradation
The blur is synthetic: `resize(resize(img, 1/4, INTER_AREA), ×4, INTER_CUBIC)`, pixel for pixel what
OpenCV-Python computes (the tests check it against OpenCV-Python fixtures). The grid shows the sharp and the
degraded quadrant; the red box marks the most detailed region, enlarged underneath."""),
    code("""DegradationConfig degradation = DegradationConfig.DEFAULT;
Mat sharpTl = quadrants.get(Quadrant.TL);
Mat degradedTl = Degradation.apply(sharpTl, degradation);
Map<String, java.awt.image.BufferedImage> pair = new LinkedHashMap<>();
pair.put("degraded (" + degradation.label() + ")", Images.toBufferedImage(degradedTl));
pair.put("sharp", Images.toBufferedImage(sharpTl));
display(Inline.grid(pair, 96));"""),
    md("""## What the numbers mean
**SSIM** compares local means, variances and covariance of two images in a Gaussian window:
SSIM(x, y) = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), averaged over the image, then over
the three RGB channels. The constants, window and data range change the number, so we always state them — here
they are pytorch-msssim's (the library the seed used). **PSNR** is 10·log10(1/MSE) in dB for data range 1.
These are the definitions printed under every table of `kd-restore evaluate`:"""),
    code("""display("text/html", Inline.keyValues(org.kdrestore.report.Evaluation.definitions()));"""),
    md("""## How far apart are degraded and sharp?
Every quadrant of the chosen photos, degraded vs sharp, scored with `Evaluation.score` (the same function the
evaluation uses). This is the **input baseline**: a restorer that does nothing scores exactly this."""),
    code("""var board = new ScoreBoard();
try (NDManager nd = Engines.newManager()) {
    for (Path p : photos) {
        Mat f = Frames.toFrame(Images.readBgr8(p), FrameConfig.DEFAULT, p.toString());
        for (var q : Quadrants.split(f).entrySet()) {
            NDArray sharp = ImageTensors.fromMat(nd, q.getValue());
            NDArray degraded = ImageTensors.fromMat(nd, Degradation.apply(q.getValue(), degradation));
            board.add(DatasetPreparer.stem(p) + "_" + q.getKey().id(), "input", degraded, sharp);
        }
    }
}
display("text/html", Inline.table(board.perImage()));"""),
    md("""The summary gives the mean with a 95% confidence interval (t distribution over images). With only a few
quadrants the interval is wide: differences between models smaller than it are not evidence of anything."""),
    code("""display("text/html", Inline.table(board.summary()));"""),
    md("""## Stronger blur, lower scores
The degradation factor sets the difficulty. One quadrant degraded with factors 2 to 6 (all divide 960 and 540):"""),
    code("""var byFactor = new ScoreBoard();
int[] factors = {2, 3, 4, 5, 6};
try (NDManager nd = Engines.newManager()) {
    NDArray sharp = ImageTensors.fromMat(nd, sharpTl);
    for (int f : factors) byFactor.add("tl", "x" + f, ImageTensors.fromMat(nd, Degradation.apply(sharpTl, degradation.withFactor(f))), sharp);
}
double[] x = Arrays.stream(factors).asDoubleStream().toArray();
double[] ssim = byFactor.scores().stream().mapToDouble(ScoreBoard.Score::ssim).toArray();
display(Inline.chart(Charts.lines("SSIM of the degraded quadrant vs blur factor", "factor", "SSIM",
        List.of(new Charts.Series(DatasetPreparer.stem(photo) + " tl", x, ssim)))));"""),
    md("""## The same in one call
`kd-restore prepare --input data-sample --output DIR` does all of the above for a folder and writes a manifest
with sha256 of every file, so later steps (teacher cache, training) can check they use the same data. The next
notebooks call it through `Walkthrough.dataset(n)`, which keeps what is already prepared:"""),
    code("""PreparedDataset ds = ws.dataset(PHOTOS);
System.out.println(ds.photos().size() + " photos, " + ds.samples().size() + " quadrant pairs in " + ds.root()
        + "\\nmanifest sha256 " + ds.manifestSha256());"""),
]


def build(name, cells):
    nb = new_notebook(metadata=KERNEL)
    for kind, text in cells:
        nb.cells.append(new_markdown_cell(text) if kind == "md" else new_code_cell(text))
    path = os.path.join(OUT, name + ".ipynb")
    nbformat.write(nb, path)
    print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    names = sys.argv[1:] or list(NOTEBOOKS)
    for n in names:
        build(n, NOTEBOOKS[n])
