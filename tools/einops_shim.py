"""A stand-in for `einops` (not packaged by Debian) with only the four `rearrange` patterns that
upstream's restormer_arch.py uses, for the tool scripts that import upstream's Restormer
(tools/bench_torch.py, tools/fixtures/restormer_fixtures.py). Never used by the library.
"""
import os
import sys

SOURCE = '''
"""Only the four rearrange patterns restormer_arch.py uses."""
def rearrange(x, pattern, **k):
    if pattern == 'b c h w -> b (h w) c':
        return x.flatten(2).transpose(1, 2)
    if pattern == 'b (h w) c -> b c h w':
        b, _, c = x.shape
        return x.transpose(1, 2).reshape(b, c, k['h'], k['w'])
    if pattern == 'b (head c) h w -> b head c (h w)':
        b, c, h, w = x.shape
        return x.reshape(b, k['head'], c // k['head'], h * w)
    if pattern == 'b head c (h w) -> b (head c) h w':
        b, head, c, _ = x.shape
        return x.reshape(b, head * c, k['h'], k['w'])
    raise NotImplementedError(pattern)
'''


def install(scratch):
    """Writes the package `einops` into `scratch` and puts `scratch` first on sys.path."""
    os.makedirs(os.path.join(scratch, "einops"), exist_ok=True)
    with open(os.path.join(scratch, "einops", "__init__.py"), "w") as f:
        f.write(SOURCE)
    sys.path.insert(0, scratch)
