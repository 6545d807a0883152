"""Benchmark: the deconvnet against Captum's Deconvolution and against autograd back-propagation.

All three compute the same projection (the deconvnet's rule down a ReLU: rectify the signal),
checked here before timing on a copy of the network without contrast normalisation, which the
deconvnet skips on the way down while autograd and Captum differentiate through it. Timed on
the quick profile's network shape (random weights), 64 images of 96 pixels, one relu5 unit
per image:

* ``zfviz.methods.deconvnet.project``: the explicit walk (switches, unpool, rectify, transposed
  filters);
* ``zfviz.methods.deconvnet.backprop_projection``: autograd with a custom ReLU backward;
* ``captum.attr.NeuronDeconvolution``.

There is no target: the script prints ratios against ``project`` measured in one run. Every
time is the best of 3 after one warm-up, with 2 torch threads.

    python bench/bench_deconvnet.py        # about half a minute
"""

from __future__ import annotations

import copy
import sys

import torch
from captum.attr import NeuronDeconvolution
from timing import best_of
from torch import nn

from zfviz.methods.deconvnet import Selection, backprop_projection, project
from zfviz.nets.models import zfnet

IMAGES, SIZE, LAYER = 64, 96, "relu5"


def without_contrast_norm(model: nn.Module) -> nn.Module:
    """A copy whose LocalResponseNorm layers are identities."""
    bare = copy.deepcopy(model)
    for name, module in bare.features.named_children():
        if isinstance(module, nn.LocalResponseNorm):
            setattr(bare.features, name, nn.Identity())
    return bare


def main() -> int:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = zfnet(num_classes=10, input_size=SIZE, width=0.25, fc_units=512).eval()
    x = torch.randn(IMAGES, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    # one unit for all images, as Captum's neuron_selector takes: the strongest on average
    with torch.no_grad():
        maps = model.features[: list(dict(model.features.named_children())).index(LAYER) + 1](x)
    c, r, q = (int(i) for i in torch.unravel_index(maps.mean(0).argmax(), maps.shape[1:]))
    selections = [Selection(i, c, r, q) for i in range(IMAGES)]

    bare = without_contrast_norm(model)
    ours = project(bare, x, LAYER, selections)
    theirs = NeuronDeconvolution(bare, bare.features.relu5).attribute(x, neuron_selector=(c, r, q))
    scaled = ours.values.view(-1, 1, 1, 1) * theirs
    error = float((ours.pixels - scaled).abs().max() / ours.pixels.abs().max())
    assert error < 1e-4, f"zfviz and Captum disagree: relative difference {error:.1e}"

    result = {}
    walk_s = best_of(lambda: result.update(p=project(model, x, LAYER, selections)))
    autograd_s = best_of(lambda: backprop_projection(model, x, LAYER, selections))
    captum = NeuronDeconvolution(model, model.features.relu5)
    captum_s = best_of(lambda: captum.attribute(x, neuron_selector=(c, r, q)))

    print(f"{IMAGES} images of {SIZE} px, one {LAYER} unit each (map {c} at {r},{q}); zfviz and "
          f"Captum agree to {error:.1e} (relative) without contrast normalisation\n")  # fmt: skip
    print(f"{'method':<44} {'seconds':>8}  ratio to zfviz project")
    for name, seconds in [
        ("zfviz project (unpool, rectify, filter)", walk_s),
        ("zfviz backprop_projection (autograd)", autograd_s),
        ("captum NeuronDeconvolution", captum_s),
    ]:
        print(f"{name:<44} {seconds:8.3f}  {seconds / walk_s:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
