#!/usr/bin/python3
"""The `kd-restore bench` cases in plain PyTorch, for a side-by-side comparison.

Run with Debian's python (python3-torch 1.13, torchvision), from the repository root:
    /usr/bin/python3 tools/bench_torch.py [--case NAME]... [--repeats N] [--warmup N] \
        [--restormer-src DIR] [--threads 2]
    /usr/bin/python3 tools/bench_torch.py --count-flops restormer-full 544 960

Each case runs in its own process (this script calling itself with --child), so peak RSS
(ru_maxrss) is the case's own. Each prints one line `BENCH_RESULT {json}` in the schema of
org.kdrestore.bench.BenchResult (impl "torch"); `kd-restore bench --compare-torch` reads them.

The Restormer cases need upstream's architecture: --restormer-src DIR is a checkout of
swz30/Restormer, e.g.
    git clone --depth 1 https://github.com/swz30/Restormer /tmp/scratch/restormer
Without it those cases are skipped with a line saying so. Upstream code is read at run time and
never committed; einops (not packaged by Debian) is replaced by a four-pattern shim written to a
scratch folder.

--count-flops MODEL H W prints the convolution + matrix-product FLOPs of one forward pass
(multiply-add = 2), counted by forward hooks on the real modules: Conv2d from its weight and
output shape, and Restormer's two attention products (q·kᵀ and attn·v, 2·C²/heads·H·W each)
from the Attention module's input. It is the independent check of org.kdrestore.model.Flops.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import einops_shim  # noqa: E402  (tools/einops_shim.py)

CASES = ["matmul-4096", "train-step", "teacher-train-step", "student-1080p", "teacher-tiny-256", "teacher-compact-540x960", "teacher-full-540x960",
         "teacher-full-540x960-tiled", "ssim-1080p"]
RESTORMER_CASES = {"teacher-train-step", "teacher-tiny-256", "teacher-compact-540x960", "teacher-full-540x960", "teacher-full-540x960-tiled"}
SCRATCH = os.environ.get("SCRATCH", "/tmp/scratch/bench_torch")
TILE, OVERLAP = 256, 32
TRAINING_CASES = {"train-step", "teacher-train-step"}  # --precision bf16 runs these under torch.autocast



# ---------------------------------------------------------------- models

def student(width=64):
    """The seed student (StudentConfig.seed()): same layer names as the Java block."""
    class Student(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.middle = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU())
            self.decoder = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(width, 3, 3, padding=1),
                                         nn.ReLU(), nn.Sigmoid())

        def forward(self, x):
            return self.decoder(self.middle(self.encoder(x)))
    return Student()


def restormer_module(src):
    if not src or not os.path.isfile(os.path.join(src, "basicsr/models/archs/restormer_arch.py")):
        return None
    einops_shim.install(SCRATCH)
    sys.path.insert(0, os.path.join(src, "basicsr/models/archs"))
    import restormer_arch
    return restormer_arch


COMPACT_ARCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "restormer-s", "arch.json")
LABELS = {"full": "Restormer motion-deblurring (dim 48)", "tiny": "Restormer tiny (dim 8)"}


def restormer(arch, kind):
    if kind == "compact":  # the shipped compact teacher's constructor arguments
        with open(COMPACT_ARCH) as f:
            return arch.Restormer(**json.load(f))
    if kind == "full":  # Motion_Deblurring/Options/Deblurring_Restormer.yml
        return arch.Restormer(inp_channels=3, out_channels=3, dim=48, num_blocks=[4, 6, 6, 8], num_refinement_blocks=4,
                              heads=[1, 2, 4, 8], ffn_expansion_factor=2.66, bias=False, LayerNorm_type="WithBias")
    return arch.Restormer(inp_channels=3, out_channels=3, dim=8, num_blocks=[1, 1, 1, 1], num_refinement_blocks=1,
                          heads=[1, 2, 4, 8], ffn_expansion_factor=2.66, bias=False, LayerNorm_type="WithBias")


def restore(model, x):
    """Upstream's test script: reflect-pad bottom/right to a multiple of 8, forward, crop, clamp."""
    h, w = x.shape[2], x.shape[3]
    ph, pw = (8 - h % 8) % 8, (8 - w % 8) % 8
    xp = F.pad(x, (0, pw, 0, ph), mode="reflect") if ph or pw else x
    return model(xp)[:, :, :h, :w]


def starts(size, tile, overlap):
    if tile >= size:
        return [0]
    out = list(range(0, size - tile, tile - overlap))
    return out + [size - tile]


def restore_tiled(model, x):
    """Tiles of TILE² at stride TILE-OVERLAP, the last flush with the edge, averaged where they overlap."""
    n, c, h, w = x.shape
    th, tw = min(TILE, h), min(TILE, w)
    acc = torch.zeros_like(x)
    cnt = torch.zeros(1, 1, h, w)
    for y0 in starts(h, th, OVERLAP):
        for x0 in starts(w, tw, OVERLAP):
            acc[:, :, y0:y0 + th, x0:x0 + tw] += restore(model, x[:, :, y0:y0 + th, x0:x0 + tw])
            cnt[:, :, y0:y0 + th, x0:x0 + tw] += 1
    return acc / cnt


# ---------------------------------------------------------------- SSIM (pytorch-msssim semantics)

def gauss_1d(size=11, sigma=1.5):
    coords = torch.arange(size, dtype=torch.float) - size // 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    return (g / g.sum()).unsqueeze(0).unsqueeze(0)


def gaussian_filter(x, win):
    c = x.shape[1]
    out = x
    for i, s in enumerate(x.shape[2:]):
        if s >= win.shape[-1]:
            out = F.conv2d(out, win.transpose(2 + i, -1).repeat(c, 1, 1, 1), groups=c)
    return out


def ssim(x, y, data_range=1.0, win=None):
    """pytorch_msssim.ssim(x, y, data_range, size_average=True): valid Gaussian filtering, K=(0.01, 0.03)."""
    win = gauss_1d().unsqueeze(0) if win is None else win  # (1,1,1,11)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu1, mu2 = gaussian_filter(x, win), gaussian_filter(y, win)
    mu1_sq, mu2_sq, mu1_mu2 = mu1.pow(2), mu2.pow(2), mu1 * mu2
    s1 = gaussian_filter(x * x, win) - mu1_sq
    s2 = gaussian_filter(y * y, win) - mu2_sq
    s12 = gaussian_filter(x * y, win) - mu1_mu2
    cs_map = (2 * s12 + c2) / (s1 + s2 + c2)
    ssim_map = ((2 * mu1_mu2 + c1) / (mu1_sq + mu2_sq + c1)) * cs_map
    return torch.flatten(ssim_map, 2).mean(-1).mean()


# ---------------------------------------------------------------- cases: (setup -> run, flops)

def case_matmul():
    a, b = torch.randn(4096, 4096), torch.randn(4096, 4096)
    return (lambda: a @ b), 2.0 * 4096 ** 3, "float32 matmul 4096x4096 @ 4096x4096 (torch)"


def autocast(bf16):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)


def case_teacher_train_step(arch, bf16):
    """teacher train's default recipe (TeacherTrainConfig.restormerS): batch 8 of 128x128 crops, L1, Adam 3e-4."""
    net = restormer(arch, "compact").train()
    opt = torch.optim.Adam(net.parameters(), lr=3e-4)
    gt = torch.rand(8, 3, 128, 128)
    x = (gt + 0.05 * torch.randn_like(gt)).clamp(0, 1)

    def run():
        opt.zero_grad()
        with autocast(bf16):
            loss = F.l1_loss(net(x), gt)
        loss.backward()
        opt.step()
        return loss.item()
    f = 3 * count_flops(restormer(arch, "compact"), (8, 3, 128, 128))
    dim = net.patch_embed.proj.out_channels
    return run, f, f"compact teacher (models/restormer-s, dim {dim}) train step, 8x3x128x128, l1, Adam" + \
        (", autocast bf16" if bf16 else "") + " (torch)"


def case_train_step(bf16=False):
    import torchvision
    net = student()
    vgg = torchvision.models.vgg16().features[:9].eval()  # to relu2_2, random weights (timing only)
    for p in vgg.parameters():
        p.requires_grad_(False)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    gt = torch.rand(8, 3, 256, 256)
    teacher = (gt + 0.02 * torch.randn_like(gt)).clamp(0, 1)
    x = (gt + 0.05 * torch.randn_like(gt)).clamp(0, 1)
    feats = lambda t: vgg((t - mean) / std)

    def run():
        opt.zero_grad()
        with autocast(bf16):
            y = net(x)
            fy = feats(y)
            with torch.no_grad():
                fg, ft = feats(gt), feats(teacher)
        # the losses in float32 (autocast would run l1/mse in float32 anyway; SSIM's conv is not autocast here,
        # as in kd-restore, where only the networks' products run in bf16)
        y, fy, fg, ft = y.float(), fy.float(), fg.float(), ft.float()
        # DistillationLossConfig.defaults(): gt 1 / 1 / 0.1, teacher 0.5 / 0.5 / 0.05 (L1 / 1-SSIM / VGG mse)
        loss = (F.l1_loss(y, gt) + (1 - ssim(y, gt)) + 0.1 * F.mse_loss(fy, fg)
                + 0.5 * F.l1_loss(y, teacher) + 0.5 * (1 - ssim(y, teacher)) + 0.05 * F.mse_loss(fy, ft))
        loss.backward()
        opt.step()
        return loss.item()
    # same convention as TrainStepCase.flops(): 3x student forward + 4x VGG-to-relu2_2 forward
    f = 3 * count_flops(student(), (8, 3, 256, 256)) + 4 * count_flops(vgg, (8, 3, 256, 256))
    return run, f, "student train step, 8x3x256x256, Adam, L1+SSIM+VGG relu2_2 on GT and teacher" + \
        (", autocast bf16" if bf16 else "") + " (torch)"


def case_student():
    net = student().eval()
    x = torch.rand(1, 3, 1080, 1920)

    def run():
        with torch.inference_mode():
            return net(x)
    return run, count_flops(student(), (1, 3, 1080, 1920)), "student (seed, width 64) inference on 1x3x1080x1920 (torch)"


def case_teacher(arch, kind, h, w, tiled):
    model = restormer(arch, kind).eval()
    x = torch.rand(1, 3, h, w)

    def run():
        with torch.inference_mode():
            return (restore_tiled(model, x) if tiled else restore(model, x)).clamp(0, 1)
    ph, pw = (h + 7) // 8 * 8, (w + 7) // 8 * 8
    if tiled:
        tiles = len(starts(h, min(TILE, h), OVERLAP)) * len(starts(w, min(TILE, w), OVERLAP))
        f = tiles * count_flops(restormer(arch, kind), (1, 3, min(TILE, h), min(TILE, w)))
    else:
        f = count_flops(restormer(arch, kind), (1, 3, ph, pw))
    label = LABELS.get(kind) or "Restormer restormer-s (models/restormer-s, dim %d)" % restormer(arch, kind).patch_embed.proj.out_channels
    what = label + \
        f", random weights, 1x3x{h}x{w}" + (f", tiles {TILE} overlap {OVERLAP}" if tiled else ", whole image") + " (torch)"
    return run, f, what


def case_ssim():
    x = torch.rand(1, 3, 1080, 1920)
    y = (x + 0.05 * torch.randn_like(x)).clamp(0, 1)

    def run():
        with torch.inference_mode():
            return ssim(x, y).item()
    return run, 0.0, "SSIM of a 1x3x1080x1920 pair (pytorch-msssim, win 11, sigma 1.5), to a scalar (torch)"


# ---------------------------------------------------------------- FLOP counting by hooks

def count_flops(model, shape):
    """Conv2d and attention-product FLOPs of one forward on a zero input of `shape` (meta-free, small cost)."""
    total = [0.0]

    def conv_hook(m, inp, out):
        cin_per_group = m.in_channels // m.groups
        kh, kw = m.kernel_size
        total[0] += 2.0 * cin_per_group * kh * kw * out.shape[1] * out.shape[0] * out.shape[2] * out.shape[3]

    def attn_hook(m, inp, out):
        b, c, h, w = inp[0].shape
        total[0] += 2 * (2.0 * b * c * c / m.num_heads * h * w)

    hooks = []
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv_hook))
        elif type(mod).__name__ == "Attention" and hasattr(mod, "num_heads"):
            hooks.append(mod.register_forward_hook(attn_hook))
    with torch.inference_mode():
        model(torch.zeros(*shape))
    for hk in hooks:
        hk.remove()
    return total[0]


# ---------------------------------------------------------------- driver

def make(name, args):
    if name == "matmul-4096":
        return case_matmul()
    bf16 = args.precision == "bf16"
    if name == "train-step":
        return case_train_step(bf16)
    if name == "student-1080p":
        return case_student()
    if name == "ssim-1080p":
        return case_ssim()
    arch = restormer_module(args.restormer_src)
    if name == "teacher-train-step":
        return case_teacher_train_step(arch, bf16)
    if name == "teacher-tiny-256":
        return case_teacher(arch, "tiny", 256, 256, False)
    if name == "teacher-compact-540x960":
        return case_teacher(arch, "compact", 540, 960, False)
    if name == "teacher-full-540x960":
        return case_teacher(arch, "full", 540, 960, False)
    if name == "teacher-full-540x960-tiled":
        return case_teacher(arch, "full", 540, 960, True)
    raise SystemExit(f"unknown case {name}; known: {', '.join(CASES)}")


def cpu_seconds():
    t = os.times()
    return t.user + t.system


def child(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    run, flops, what = make(args.case[0], args)
    for _ in range(args.warmup):
        run()
    times = []
    c0 = cpu_seconds()
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    cpu = (cpu_seconds() - c0) / args.repeats
    med = statistics.median(times)
    bf16 = args.precision == "bf16" and args.case[0] in TRAINING_CASES
    r = {"name": args.case[0] + (" bf16" if bf16 else ""), "description": what, "repeats": args.repeats, "minS": min(times), "medianS": med,
         "maxS": max(times), "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
         "flops": flops, "gflopsAtMedian": flops / med / 1e9 if flops else 0.0, "device": "cpu",
         "threads": torch.get_num_threads(), "impl": "torch", "cpuPerRunS": cpu}
    print("BENCH_RESULT " + json.dumps(r), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--case", action="append", default=[], help="case (repeatable; default all): " + ", ".join(CASES))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--precision", choices=["float32", "bf16"], default="float32",
                   help="bf16: the training cases' forward and loss under torch.autocast('cpu', dtype=torch.bfloat16)")
    p.add_argument("--restormer-src", help="a checkout of swz30/Restormer (for the teacher cases)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per case before it is stopped (default 600)")
    p.add_argument("--count-flops", nargs=3, metavar=("MODEL", "H", "W"),
                   help="print FLOPs of one forward: MODEL is student, restormer-full, restormer-compact or restormer-tiny")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.count_flops:
        model, h, w = args.count_flops[0], int(args.count_flops[1]), int(args.count_flops[2])
        if model == "student":
            m = student()
        else:
            arch = restormer_module(args.restormer_src)
            if arch is None:
                raise SystemExit("--count-flops " + model + " needs --restormer-src DIR (a Restormer checkout)")
            m = restormer(arch, model.removeprefix("restormer-"))
        print(json.dumps({"model": model, "h": h, "w": w, "flops": count_flops(m, (1, 3, h, w))}))
        return
    for c in args.case:
        if c not in CASES:
            raise SystemExit(f"unknown case {c}; known: {', '.join(CASES)}")
    if args.child:
        child(args)
        return
    for name in args.case or CASES:
        if name in RESTORMER_CASES and restormer_module(args.restormer_src) is None:
            print(f"skipped {name}: needs --restormer-src DIR (a checkout of swz30/Restormer)", file=sys.stderr, flush=True)
            continue
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--case", name, "--repeats", str(args.repeats),
               "--warmup", str(args.warmup), "--threads", str(args.threads), "--precision", args.precision]
        if args.restormer_src:
            cmd += ["--restormer-src", args.restormer_src]
        try:
            subprocess.run(cmd, check=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"timeout {name}: stopped after {args.timeout:.0f} s", file=sys.stderr, flush=True)
            print("BENCH_TIMEOUT " + json.dumps({"name": name, "timeoutS": args.timeout}), flush=True)


if __name__ == "__main__":
    main()
