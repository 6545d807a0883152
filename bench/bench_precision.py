"""Benchmark: training steps of the book's ZFNet in float32 and in bfloat16 autocast with
channels-last tensors (``zfviz.nets.train.train(..., precision="bf16")``), rounds interleaved.

Target (issue: the zoo): bf16 at least 1.3x the images per second of float32 at the book
network's size (112 px, width 0.5), on a CPU or GPU where ``bf16_supported`` is true; elsewhere
bf16 is emulated, the script says so and measures float32 only.

    python bench/bench_precision.py        # exits 1 if the target is missed
"""

from __future__ import annotations

import sys
import time

import torch
from torch import nn

from zfviz.nets.models import zfnet
from zfviz.nets.train import bf16_supported

TARGET = 1.3
SIZES = [(96, 0.25), (112, 0.5)]  # (input px, width): the quick profile's, the zoo's
BATCH, STEPS, ROUNDS = 64, 6, 3


def _stepper(size: int, width: float, bf16: bool):
    torch.manual_seed(0)
    layout = torch.channels_last if bf16 else torch.contiguous_format
    model = zfnet(num_classes=50, input_size=size, width=width, fc_units=512)
    model = model.to(memory_format=layout).train()
    x = torch.randn(BATCH, 3, size, size).contiguous(memory_format=layout)
    y = torch.randint(0, 50, (BATCH,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()  # warm-up: first-call allocations and kernel choices
    return step


def _images_per_second(step) -> float:
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    return BATCH * STEPS / (time.perf_counter() - start)


def main() -> int:
    torch.set_num_threads(2)
    native = bf16_supported("cpu")
    print(f"CPU capability {torch.backends.cpu.get_cpu_capability()}, native bf16: {native}")
    ok = True
    for size, width in SIZES:
        steppers = {"fp32": _stepper(size, width, False)}
        if native:
            steppers["bf16"] = _stepper(size, width, True)
        best = dict.fromkeys(steppers, 0.0)
        for _ in range(ROUNDS):  # interleaved, so a drifting machine slows both alike
            for name, step in steppers.items():
                best[name] = max(best[name], _images_per_second(step))
        line = f"{size:4d} px, width {width}: fp32 {best['fp32']:7.0f} images/s"
        if native:
            ratio = best["bf16"] / best["fp32"]
            line += f", bf16 {best['bf16']:7.0f} images/s: {ratio:.2f}x (target >= {TARGET})"
            ok &= size < 112 or ratio >= TARGET
        print(line)
    print("TARGET MET" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
