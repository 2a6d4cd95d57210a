#!/usr/bin/env python3
"""Writes src/main/resources/org/kdrestore/common/bf16-ops.pt: the TorchScript module through which
kd-restore runs convolutions and matrix products in bfloat16 (common.Bf16).

Why TorchScript: DJL's PyTorch JNI has no bfloat16 data type (its dtype switch stops at complex64
and an unknown code aborts the process), so a cast to bfloat16 cannot be asked for from Java. This
module does the casts inside libtorch: float32 tensors go in, the product runs in bfloat16, float32
comes out, and autograd records every step (the casts' backward casts the gradient back), as
torch.autocast's conv2d and matmul do. Java never holds a bfloat16 tensor except a frozen weight's
cast copy, which it only passes back in.

Run with any PyTorch >= 1.13 (Debian's python3-torch was used; libtorch 2.x loads the file):
    /usr/bin/python3 tools/make_bf16_ops.py
"""
import os
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources", "org", "kdrestore", "common", "bf16-ops.pt")


class Bf16Ops(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def conv(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # stride 1, "same" zero padding k//2, groups from the shapes: the only convolution the models use
        return F.conv2d(x.to(torch.bfloat16), w.to(torch.bfloat16), b.to(torch.bfloat16), 1, w.size(2) // 2, 1,
                        x.size(1) // w.size(1)).to(torch.float32)

    @torch.jit.export
    def conv_nobias(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x.to(torch.bfloat16), w.to(torch.bfloat16), None, 1, w.size(2) // 2, 1,
                        x.size(1) // w.size(1)).to(torch.float32)

    @torch.jit.export
    def matmul(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.matmul(a.to(torch.bfloat16), b.to(torch.bfloat16)).to(torch.float32)

    @torch.jit.export
    def cast(self, w: torch.Tensor) -> torch.Tensor:
        # a frozen weight's bfloat16 copy, made once
        return w.detach().to(torch.bfloat16)

    @torch.jit.export
    def fast_path_probe(self, x: torch.Tensor) -> torch.Tensor:
        # oneDNN's bfloat16 convolution, which refuses (naming the missing CPU features) where it has no
        # bfloat16 kernels; there libtorch's conv2d and matmul fall back to reference loops 20-200x slower
        # than float32 (measured on an AVX2-only CPU)
        xb = x.to(torch.bfloat16)
        w = torch.ones(4, x.size(1), 3, 3, dtype=torch.bfloat16)
        return torch.ops.aten.mkldnn_convolution(xb, w, None, [1, 1], [1, 1], [1, 1], 1).to(torch.float32)


if __name__ == "__main__":
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    torch.jit.script(Bf16Ops()).save(OUT)
    print("wrote", os.path.normpath(OUT), "with torch", torch.__version__)
