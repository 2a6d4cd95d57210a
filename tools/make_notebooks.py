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

NOTEBOOKS["02-teacher-inference"] = [
    md("""# 2. Teacher inference
The teacher is **Restormer** (Zamir et al., CVPR 2022), a transformer encoder-decoder, with the published
motion-deblurring weights. The student will learn from its outputs, so this notebook loads it, runs it on
the degraded quadrants, times it and scores it against the ground truth."""),
    md(PARAMS_MD + """

In `full`, a missing teacher is an error; in `quick`, when neither the official weights nor the shipped compact
teacher are present, a **tiny Restormer with random weights** stands in so that every step still runs (its
outputs are then not results, and the notebook says so in red)."""),
    code(IMPORTS + """
import ai.djl.ndarray.*;
import org.kdrestore.common.*;
import org.kdrestore.data.*;
import org.kdrestore.infer.*;
import org.kdrestore.model.*;
import org.kdrestore.report.*;
import org.kdrestore.notebook.*;

var ws = Walkthrough.fromEnvironment();
int PHOTOS = ws.quick() ? 2 : 0;     // photos (4 quadrants each); 0 = all six
int TILE = ws.quick() ? 0 : 512;     // tiled inference bounds memory for the full-size teacher (0 = whole quadrant)
System.out.println("profile " + ws.profile() + ", outputs under " + ws.work());"""),
    md("""## Which teacher?
`TeacherResolver` decides in one place (the CLI's `demo` and `evaluate` use it too): the official weights in
the weights cache (`$KD_RESTORE_CACHE/weights/motion_deblurring.pth`), else the compact teacher shipped in
`models/restormer-s/`, else a refusal naming both."""),
    code("""var teacher = ws.teacher(ws.quick());
String shown = display("text/html", teacher.standIn()
        ? Inline.warning("No trained teacher here, so this run uses a STAND-IN: a tiny Restormer with seeded random weights. "
            + "Its outputs and scores below only show that the pipeline runs; they are NOT teacher results. " + teacher.why())
        : Inline.note("Teacher: " + teacher.describe()));"""),
    md("""## Its size and cost
The arguments are upstream's (`dim`, `num_blocks`, `heads`, …), so upstream checkpoints load by parameter name.
FLOPs are counted from layer shapes (a multiply-add is 2 FLOPs) for one 1920×1080 frame."""),
    code("""RestormerConfig cfg = teacher.resolved().config();
Map<String, Object> facts = new LinkedHashMap<>(cfg.toUpstreamMap());
facts.put("FLOPs per 1920x1080 frame", Flops.human(Flops.restormer(cfg, 1, 1080, 1920)));
facts.put("weights sha256", teacher.resolved().sha256());
display("text/html", Inline.keyValues(facts));"""),
    md("""## One quadrant, step by step
`RestormerInference` does what upstream's `test.py` does: reflect-pad to a multiple of 8, run the network
(gradients off), crop back and clamp to [0, 1]."""),
    code("""PreparedDataset ds = ws.dataset(PHOTOS);
Sample first = ds.samples().get(0);
NDManager nd = Engines.newManager();
Restormer model = teacher.resolved().load(nd);
var inference = new RestormerInference(model, RestormerInference.Options.upstream());
NDArray degraded = ImageTensors.read(nd, first.degraded());
NDArray sharp = ImageTensors.read(nd, first.sharp());
long t0 = System.nanoTime();
NDArray restored = inference.restore(degraded);
System.out.println(String.format("%s: %s -> %s in %.2f s on %s", first.id(), degraded.getShape(), restored.getShape(),
        (System.nanoTime() - t0) / 1e9, Engines.describe()));"""),
    code("""Map<String, java.awt.image.BufferedImage> panels = new LinkedHashMap<>();
panels.put("degraded", Inline.panel(degraded));
panels.put("teacher", Inline.panel(restored));
panels.put("ground truth", Inline.panel(sharp));
display(Inline.grid(panels, 96));"""),
    md("""## The teacher cache
The student trains for many epochs on the same quadrants, so the teacher runs **once** per quadrant and its
outputs are stored as 16-bit PNGs, keyed by the weights, config and inference options (`kd-restore teacher cache`).
Running this cell again reuses every output."""),
    code("""long t1 = System.nanoTime();
TeacherCache cache = ws.teacherCache(ds, teacher, TILE);
System.out.println(String.format("%d teacher outputs in %s (%.1f s)", cache.index().entries().size(), cache.dir(),
        (System.nanoTime() - t1) / 1e9));"""),
    md("""## How good is the teacher?
SSIM and PSNR of input and teacher against the ground truth on every quadrant, with the definitions from
notebook 1, then the paired difference teacher − input (per quadrant): if its 95% interval excludes 0, the teacher
really changes the score on these images."""),
    code("""var board = new ScoreBoard();
for (Sample s : ds.samples()) {
    try (NDManager m = nd.newSubManager()) {
        NDArray gt = ImageTensors.read(m, s.sharp());
        board.add(s.id(), "input", ImageTensors.read(m, s.degraded()), gt);
        board.add(s.id(), "teacher", cache.read(m, s.id()), gt);
    }
}
display("text/html", Inline.table(board.summary()));"""),
    code("""display("text/html", Inline.table(board.differences("teacher", "input")));"""),
    code("""display("text/html", Inline.table(board.perImage()));"""),
    md("""The seed reports SSIM **0.8838** for its teacher on its own data. Numbers are only comparable under the
same SSIM definition, data and degradation, which is why every table here states them."""),
    code("""nd.close();"""),
]

NOTEBOOKS["03-student-distillation"] = [
    md("""# 3. Student distillation
The student is the seed's tiny CNN (Conv → ReLU → MaxPool → Conv → ReLU → Upsample → Conv → ReLU → Sigmoid).
It learns from two targets at once: the **ground truth** and the **teacher's output** (knowledge distillation).
This notebook builds it, explains the loss, trains it with live loss curves and validation SSIM per epoch, finds
the seed's ReLU→Sigmoid flaw and trains the corrected student too."""),
    md(PARAMS_MD + """ `quick` trains for a few tens of steps on small crops, enough to see the curves move;
`full` trains the seed's recipe (batch 32, 10 epochs, whole quadrants) on all photos."""),
    code(IMPORTS + """
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import org.kdrestore.common.*;
import org.kdrestore.data.*;
import org.kdrestore.infer.*;
import org.kdrestore.model.*;
import org.kdrestore.train.*;
import org.kdrestore.report.*;
import org.kdrestore.notebook.*;

var ws = Walkthrough.fromEnvironment();
int PHOTOS = ws.quick() ? 2 : 0;                 // 2 photos: one trains, one is held out
String PRESET = ws.quick() ? "quick" : "seed";   // train/presets/*.yaml
List<String> SETS = ws.quick()
        ? List.of("train.max_steps=40", "train.epochs=5", "train.batch_size=4", "train.crop=96", "train.crops_per_image=2",
                  "data.val_fraction=0.5", "data.val_crop=192", "data.val_max_images=2", "train.checkpoint_every=0")
        : List.of("data.val_fraction=0.2", "loss.on_missing_vgg=disable");  // add "train.vgg_weights=FILE" for the VGG terms
System.out.println("profile " + ws.profile() + ": preset " + PRESET + " " + SETS);"""),
    md("""## Data and teacher targets
The prepared quadrants from notebook 1 and the teacher outputs from notebook 2 (both reused when present; computed
otherwise)."""),
    code("""PreparedDataset ds = ws.dataset(PHOTOS);
var teacher = ws.teacher(ws.quick());
TeacherCache cache = ws.teacherCache(ds, teacher, ws.quick() ? 0 : 512);
String shown = display("text/html", teacher.standIn()
        ? Inline.warning("The teacher targets come from a STAND-IN teacher with random weights (no trained teacher is "
            + "installed): the teacher terms below teach the student noise. The run shows the mechanics, not results.")
        : Inline.note("Teacher: " + teacher.describe()));"""),
    md("""## The student
`StudentCnn` follows the seed's diagram; its parameter names are a PyTorch `nn.Sequential`'s, so weights trained
here load in PyTorch and back. Sizes are kept: MaxPool ÷2 then Upsample ×2."""),
    code("""NDManager nd = Engines.newManager();
StudentCnn seedNet = StudentCnn.create(StudentConfig.seed(), nd, 0);
Map<String, Object> facts = new LinkedHashMap<>();
facts.put("config", StudentConfig.seed().describe());
facts.put("parameters", seedNet.parameterCount());
facts.put("FLOPs per 1920x1080 frame", Flops.human(Flops.student(StudentConfig.seed(), 1, 1080, 1920)));
seedNet.namedParameters().forEach((k, p) -> facts.put(k, p.getArray().getShape()));
display("text/html", Inline.keyValues(facts));"""),
    md("""## The seed's flaw: ReLU before Sigmoid
The last layers are Conv → ReLU → Sigmoid. ReLU outputs z ≥ 0, and sigmoid(z) ≥ sigmoid(0) = 0.5, so **no output
pixel can be darker than mid-grey**, whatever the weights. Feed it a black image and look at the smallest output:"""),
    code("""NDArray black = nd.zeros(new Shape(1, 3, 64, 64));
System.out.println("seed student on a black image: min output " + seedNet.predict(black).min().getFloat()
        + "; seed-fixed: min output " + StudentCnn.create(StudentConfig.preset("seed-fixed"), nd, 0).predict(black).min().getFloat());"""),
    md("""`seed-fixed` drops that ReLU (Conv → Sigmoid), so the output spans (0, 1). We train both below, with the same
data, seed and loss, so the difference is the fix alone."""),
    md("""## The distillation loss
Σ over targets {ground truth, teacher} × terms {L1, SSIM, VGG} of weight · term(student output, target):
* **L1**: mean |x − y| over pixels — keeps colours and brightness right;
* **SSIM**: 1 − SSIM (pytorch-msssim definition, data range 1) — local structure and contrast;
* **VGG**: MSE between VGG16 features (relu2_2, relu3_3, ImageNet normalisation) — perceptual texture. It needs the
  torchvision VGG16 weights; without them the run drops the VGG terms and says so (never random features).

The seed does not give its weights; ours: ground truth 1, 1, 0.1 and the teacher half of that, because the ground
truth is the goal and the teacher a guide. A weight of 0 switches a term off entirely."""),
    code("""TrainConfig seedCfg = ConfigLoader.load(PRESET, SETS);
display("text/html", Inline.keyValues(Json.MAPPER.convertValue(seedCfg.loss(), Map.class)));"""),
    md("""## Training the seed student
`Trainer` writes everything about the run into its folder (`run.json`, `metrics.csv`, checkpoints, final weights),
and resumes bit-identically after a crash (`kd-restore distill --resume`). The curves below refresh while it trains:
loss per term (unweighted) and the weighted total per step, validation SSIM on the held-out photo per epoch."""),
    code("""String live = display(Inline.note("starting ..."));
Trainer.Result seedRun = ws.train("seed", seedCfg, ds, cache, img -> updateDisplay(live, img), 5);
System.out.println(String.format("seed student: %d steps, %d epochs, last loss %.4f, validation SSIM %.4f, PSNR %.2f dB  (%s)",
        seedRun.steps(), seedRun.epochs(), seedRun.lastLoss(), seedRun.valSsim(), seedRun.valPsnr(), seedRun.runDir()));"""),
    md("""## Training the corrected student
Same everything, `student.preset=seed-fixed`:"""),
    code("""List<String> fixedSets = new ArrayList<>(SETS);
fixedSets.add("student.preset=seed-fixed");
TrainConfig fixedCfg = ConfigLoader.load(PRESET, fixedSets);
String live2 = display(Inline.note("starting ..."));
Trainer.Result fixedRun = ws.train("seed-fixed", fixedCfg, ds, cache, img -> updateDisplay(live2, img), 5);
System.out.println(String.format("seed-fixed student: %d steps, validation SSIM %.4f, PSNR %.2f dB  (%s)",
        fixedRun.steps(), fixedRun.valSsim(), fixedRun.valPsnr(), fixedRun.runDir()));"""),
    md("""## What the two students do to a held-out quadrant
Validation SSIM is one number; the picture shows where it comes from (the red box is enlarged underneath)."""),
    code("""Sample held = ds.split(seedCfg.data().valFraction(), seedCfg.train().seed()).val().get(0);
NDArray in = ImageTensors.read(nd, held.degraded());
Map<String, java.awt.image.BufferedImage> panels = new LinkedHashMap<>();
panels.put("degraded", Inline.panel(in));
panels.put("seed student", Inline.panel(Checkpoint.loadStudent(seedRun.checkpoint(), nd).predict(in)));
panels.put("seed-fixed student", Inline.panel(Checkpoint.loadStudent(fixedRun.checkpoint(), nd).predict(in)));
panels.put("ground truth", Inline.panel(ImageTensors.read(nd, held.sharp())));
display(Inline.grid(panels, 96));"""),
    md("""Notebook 4 evaluates both students against input and teacher on all held-out quadrants, with confidence
intervals, and measures their cost. The same training from the command line:
`kd-restore distill --config quick --data DIR --run-dir DIR [--set key=value ...]`."""),
    code("""nd.close();"""),
]

COMMON_SETUP = """PreparedDataset ds = ws.dataset(PHOTOS);
var teacher = ws.teacher(ws.quick());
TeacherCache cache = ws.teacherCache(ds, teacher, ws.quick() ? 0 : 512);
String shown = display("text/html", teacher.standIn()
        ? Inline.warning("STAND-IN teacher with random weights (no trained teacher installed): the teacher rows and the "
            + "students' teacher terms are mechanics, not results. " + teacher.why())
        : Inline.note("Teacher: " + teacher.describe()));"""

QUICK_TRAIN = """String PRESET = ws.quick() ? "quick" : "seed";
List<String> SETS = ws.quick()
        ? List.of("train.max_steps=40", "train.epochs=5", "train.batch_size=4", "train.crop=96", "train.crops_per_image=2",
                  "data.val_fraction=0.5", "data.val_crop=192", "data.val_max_images=2", "train.checkpoint_every=0")
        : List.of("data.val_fraction=0.2", "loss.on_missing_vgg=disable");  // add "train.vgg_weights=FILE" for the VGG terms"""

NOTEBOOKS["04-results"] = [
    md("""# 4. Results
Input vs teacher vs the two students of notebook 3 on the **held-out photos** (never trained on): SSIM, PSNR and
MS-SSIM per quadrant, means with 95% confidence intervals, paired differences, comparison grids with zoomed
crops, and the cost of each model (parameters, FLOPs, latency). This is `kd-restore evaluate` + `kd-restore report`,
step by step."""),
    md(PARAMS_MD + """ The students are notebook 3's runs when they are there with the same config; otherwise
they are trained here first."""),
    code(IMPORTS + """
import ai.djl.ndarray.*;
import org.kdrestore.common.*;
import org.kdrestore.data.*;
import org.kdrestore.infer.*;
import org.kdrestore.model.*;
import org.kdrestore.train.*;
import org.kdrestore.report.*;
import org.kdrestore.notebook.*;

var ws = Walkthrough.fromEnvironment();
int PHOTOS = ws.quick() ? 2 : 0;
int LATENCY_RUNS = ws.quick() ? 1 : 5;   // timed forward passes per model after one warm-up
""" + QUICK_TRAIN),
    code(COMMON_SETUP),
    md("""## The two students
Same data, seed and loss; `seed` has the ReLU→Sigmoid head, `seed-fixed` does not."""),
    code("""TrainConfig seedCfg = ConfigLoader.load(PRESET, SETS);
List<String> fixedSets = new ArrayList<>(SETS);
fixedSets.add("student.preset=seed-fixed");
Path seedRun = ws.ensureRun("seed", seedCfg, ds, cache);
Path fixedRun = ws.ensureRun("seed-fixed", ConfigLoader.load(PRESET, fixedSets), ds, cache);
Map<String, Path> students = new LinkedHashMap<>();
students.put("seed", seedRun.resolve("student.ckpt"));
students.put("seed-fixed", fixedRun.resolve("student.ckpt"));
System.out.println(students);"""),
    md("""## Evaluation on the held-out photos
`Evaluation.run` checks that the dataset is the one the run trained on, takes the run's own split (so no held-out
quadrant was seen in training), scores input, teacher (its cached output) and each student on every held-out
quadrant at full size, and times each model."""),
    code("""Evaluation.Result ev = Evaluation.run(ds, seedRun, cache.dir(), students, ws.dir("eval"),
        new Evaluation.Options(true, LATENCY_RUNS, ws.quick() ? false : null));   // quick: the teacher is not timed
System.out.println("held-out photos: " + ev.heldOutPhotos() + ", " + ev.rows().size() / ev.models().size() + " quadrants, models "
        + ev.models() + " on " + ev.device());"""),
    md("""### Means with 95% confidence intervals
mean ± t(0.975, n−1)·sd/√n over the held-out quadrants. Quadrants of one photo are not independent, so with few
photos read the intervals as optimistic."""),
    code("""display("text/html", Inline.table(EvaluationTables.summary(ev)));"""),
    md("""### Paired differences
Each student minus each baseline, quadrant by quadrant. An interval that excludes 0 means the difference is
consistent across these images."""),
    code("""display("text/html", Inline.table(EvaluationTables.differences(ev)));"""),
    md("""### Definitions
Every number above means exactly this:"""),
    code("""display("text/html", Inline.keyValues(ev.definitions()));"""),
    md("""## Comparison grids
Degraded input, teacher, both students and the ground truth; the most detailed region of the ground truth (red box)
is enlarged underneath, pixel for pixel."""),
    code("""NDManager nd = Engines.newManager();
StudentCnn seedNet = Checkpoint.loadStudent(students.get("seed"), nd);
StudentCnn fixedNet = Checkpoint.loadStudent(students.get("seed-fixed"), nd);
List<Sample> held = ds.split(seedCfg.data().valFraction(), seedCfg.train().seed()).val();
int GRIDS = ws.quick() ? 2 : 4;
for (Sample s : held.subList(0, Math.min(GRIDS, held.size()))) {
    NDArray in = ImageTensors.read(nd, s.degraded());
    Map<String, java.awt.image.BufferedImage> panels = new LinkedHashMap<>();
    panels.put("degraded", Inline.panel(in));
    panels.put("teacher", Inline.panel(cache.read(nd, s.id())));
    panels.put("seed", Inline.panel(seedNet.predict(in)));
    panels.put("seed-fixed", Inline.panel(fixedNet.predict(in)));
    panels.put("ground truth " + s.id(), Inline.panel(ImageTensors.read(nd, s.sharp())));
    display(Inline.grid(panels, 80));
}"""),
    md("""## Cost
Parameters, FLOPs per 1920×1080 frame (counted from layer shapes) and measured latency. The student's point is to be
orders of magnitude cheaper than the teacher."""),
    code("""display("text/html", Inline.table(EvaluationTables.costs(ev), 3));"""),
    md("""## Every quadrant"""),
    code("""display("text/html", Inline.table(EvaluationTables.perImage(ev)));"""),
    md("""The same from the command line: `kd-restore evaluate --run-dir RUN --data DIR` then `kd-restore report --run-dir RUN`
(a self-contained HTML report with these tables, curves and grids)."""),
    code("""nd.close();"""),
]

NOTEBOOKS["05-hyperparameter-sweep"] = [
    md("""# 5. A small hyper-parameter sweep
Which learning rate, and how much should the student listen to the teacher? A grid over `train.lr` × the teacher
weights, every trial trained with the same data and seed, ranked by validation SSIM on the held-out photo. The sweep
file is the one `kd-restore sweep` takes (which also runs trials in parallel JVMs, resumes and stops hopeless trials
early); here the trials run one after another in this kernel."""),
    md(PARAMS_MD + """ `quick`: 2 × 2 trials of a dozen steps each; `full`: a 3 × 3 grid on the seed recipe."""),
    code(IMPORTS + """
import org.kdrestore.common.*;
import org.kdrestore.data.*;
import org.kdrestore.infer.*;
import org.kdrestore.sweep.*;
import org.kdrestore.report.*;
import org.kdrestore.notebook.*;

var ws = Walkthrough.fromEnvironment();
int PHOTOS = ws.quick() ? 2 : 0;
String BASE = ws.quick() ? "quick" : "seed";
String SET = ws.quick()
        ? "{train.max_steps: 12, train.epochs: 2, train.batch_size: 4, train.crop: 96, train.crops_per_image: 2, data.val_fraction: 0.5, data.val_crop: 192, data.val_max_images: 2, student.preset: seed-fixed}"
        : "{data.val_fraction: 0.2, student.preset: seed-fixed, loss.on_missing_vgg: disable}";
String GRID = ws.quick()
        ? "{train.lr: [3.0e-4, 3.0e-3], loss.teacher_l1: [0.0, 0.5]}"
        : "{train.lr: [1.0e-4, 3.0e-4, 1.0e-3], loss.teacher_l1: [0.0, 0.5, 1.0]}";"""),
    code(COMMON_SETUP),
    md("""## The sweep file
A grid (every combination) over two keys of the training config; `set` applies to every trial. The plan is checked
completely (keys, types, values) before anything trains."""),
    code("""Path sweepFile = ws.dir("sweep").resolve("lr-teacher.yaml");
Files.writeString(sweepFile, "name: lr-teacher\\nbase: " + BASE + "\\nset: " + SET + "\\ndata: " + ds.root()
        + "\\nteacher_cache: " + cache.dir() + "\\nmetric: val_ssim\\ngrid: " + GRID + "\\ninclude_base: false\\n");
SweepPlan plan = SweepPlan.of(SweepSpec.read(sweepFile));
System.out.println(Files.readString(sweepFile));
plan.trials().forEach(t -> System.out.println(t.id() + ": " + t.label()));"""),
    md("""## Running the trials"""),
    code("""var results = ws.sweep("lr-teacher", plan, ds, cache);
display("text/html", Inline.table(results.sortDescendingOn("val SSIM")));"""),
    md("""## Learning rate vs validation SSIM, per teacher weight
With this few steps a larger learning rate mostly wins; the teacher weight's effect is the gap between the lines.
With the stand-in teacher of the quick profile, a positive teacher weight pulls the student towards noise."""),
    code("""display(Inline.chart(Walkthrough.sweepChart(results, "train.lr", "loss.teacher_l1", "val SSIM")));"""),
    md("""From the command line: `kd-restore sweep --file lr-teacher.yaml [--workers N] [--resume]`, with the report
under `reports/sweeps/lr-teacher/`."""),
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
