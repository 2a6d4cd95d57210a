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
        # stride 1, "same" zero padding k//2, groups from the shapes: the only convolution the models use.
        # The input is cast into channels-last memory: oneDNN's bfloat16 kernels work on NHWC, and an NCHW
        # operand costs a reorder there and back on every call (VGG16 to relu2_2 on 8x3x256x256 with its
        # input gradient: 0.46 s NCHW, 0.36 s NHWC, on an AVX-512 BF16 CPU). The float32 result keeps
        # that memory layout (same shape and values), so the next convolution's cast is a plain copy.
        return F.conv2d(x.to(torch.bfloat16, memory_format=torch.channels_last), w.to(torch.bfloat16), b.to(torch.bfloat16),
                        1, w.size(2) // 2, 1, x.size(1) // w.size(1)).to(torch.float32)

    @torch.jit.export
    def conv_nobias(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x.to(torch.bfloat16, memory_format=torch.channels_last), w.to(torch.bfloat16), None,
                        1, w.size(2) // 2, 1, x.size(1) // w.size(1)).to(torch.float32)

    @torch.jit.export
    def matmul(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.matmul(a.to(torch.bfloat16), b.to(torch.bfloat16)).to(torch.float32)

    @torch.jit.export
    def pointwise_depthwise(self, x: torch.Tensor, w: torch.Tensor, wd: torch.Tensor) -> torch.Tensor:
        # Restormer's 1x1 convolution (w: Cout x Cin x 1 x 1, no bias) and the 3x3 depthwise one after it
        # (wd: Cout x 1 x 3 x 3, no bias) as one bfloat16 call: the 1x1 as (pixels x Cin)(Cin x Cout), whose
        # result is channels-last memory, straight into the depthwise kernel's NHWC path; the wide tensor
        # between the two never goes to float32 and back (nor its gradient). Float32 channels-last out.
        n = x.size(0)
        h = x.size(2)
        wi = x.size(3)
        cout = w.size(0)
        # (pixels x Cin): a view when x is channels-last memory (as after the bfloat16 LayerNorm), else one copy
        pixels = x.to(torch.bfloat16).permute(0, 2, 3, 1).reshape(n, h * wi, x.size(1))
        y = torch.matmul(pixels, w.reshape(cout, w.size(1)).t().to(torch.bfloat16))
        y = y.reshape(n, h, wi, cout).permute(0, 3, 1, 2)
        return F.conv2d(y, wd.to(torch.bfloat16), None, 1, wd.size(2) // 2, 1, cout).to(torch.float32)

    # A frozen network (VGG16's features for the loss) runs in bfloat16 from its first layer to a returned
    # feature, channels-last, with no float32 in between: cast in once, conv+ReLU and max-pool on bfloat16,
    # cast out at each returned feature. Its weights are frozen bfloat16 copies (cast below). Measured with
    # the input gradient, VGG16 to relu2_2 on 8x3x256x256: 0.36 s with a float32 round trip per layer, 0.31 s so.

    @torch.jit.export
    def to_bf16_channels_last(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16, memory_format=torch.channels_last)

    @torch.jit.export
    def conv_relu_bf16(self, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # ReLU in place on the convolution's fresh output: its backward needs the ReLU's output only
        return torch.relu_(F.conv2d(h, w, b, 1, w.size(2) // 2))

    @torch.jit.export
    def max_pool2x2_bf16(self, h: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(h, 2, 2)

    @torch.jit.export
    def to_float32(self, h: torch.Tensor) -> torch.Tensor:
        return h.to(torch.float32, memory_format=torch.contiguous_format)

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
