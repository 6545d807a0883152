"""Training, as in section 3 of the paper, scaled to minutes on a CPU.

What follows the paper: SGD with momentum 0.9 and learning rate 1e-2, minibatches, dropout 0.5 on
fc6 and fc7, per-pixel mean subtraction, the ten crops (corners and centre, with and without a
horizontal flip; one drawn at random per image and step), and renormalisation of every conv filter
whose RMS exceeds a fixed radius (:class:`FilterRenorm`).

What differs, and why (each one is a field of :class:`TrainConfig`):

- **Initialisation**: He-normal instead of N(0, 1e-2). With 1e-2 the signal shrinks at every
  layer of an 8-layer net and training idles for many epochs, which our minutes cannot afford.
- **Input scale**: inputs are ``(pixels - mean) / 128`` (about -1..1) instead of -128..128, to
  suit that initialisation. The filter radius is scaled with it (:func:`paper_radius`).
- **Learning-rate schedule**: the paper lowers the rate by hand when validation error plateaus
  (factor not stated); we divide it by 10 at fixed epochs (``lr_drops``), which is reproducible.
- **Batch size and learning rate**: 32 and 2e-2 instead of 128 and 1e-2: more, larger steps,
  because our budget is ten epochs, not seventy. **Weight decay** 5e-4 (AlexNet's; the paper
  does not state one).

Whether training worked is judged by two claims that can fail (:class:`zfviz.core.claims.Verdict`):
:func:`claim_learns_the_task` (held-out accuracy reaches a target) and
:func:`claim_beats_pixel_baseline` (the network beats a linear classifier on raw pixels by a
wide margin). An untrained network, or one trained on shuffled labels, fails both.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from zfviz.core import checkpoints
from zfviz.core.claims import Verdict, at_least
from zfviz.core.profiles import PROFILES, Profile, cache_dir, get_profile
from zfviz.data import world
from zfviz.data.preprocess import Preprocess, crop_source_size, ten_crop_offsets
from zfviz.nets import models
from zfviz.nets.predict import outputs

_QUICK = PROFILES["quick"]
TRAIN_VERSION = 1  # bump when a change here changes what training produces

PAPER_RADIUS = 0.1  # RMS radius of section 3, for inputs in the paper's -128..128 range
PAPER_INPUT_SCALE = 1.0


def paper_radius(input_scale: float) -> float:
    """The paper's filter radius for inputs divided by ``input_scale``.

    A layer-1 filter whose inputs are ``input_scale`` times smaller needs ``input_scale`` times
    larger weights to give the same responses, so the radius that bounds it scales the same way.

    Example:
        >>> paper_radius(1.0), paper_radius(128.0)
        (0.1, 12.8)
    """
    return round(PAPER_RADIUS * input_scale / PAPER_INPUT_SCALE, 10)


class FilterRenorm:
    """Scale back every conv filter whose RMS exceeds ``radius`` (section 3 of the paper).

    A filter is one output map's weights (``weight[k]`` of a ``Conv2d``); its RMS is the square
    root of the mean of its squared weights. Call the object after each optimiser step, or let
    :meth:`attach` do so.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> conv = nn.Conv2d(1, 2, 3)
        >>> with torch.no_grad():
        ...     _ = conv.weight.fill_(1.0)
        ...     _ = conv.weight[1].mul_(0.01)
        >>> renorm = FilterRenorm(conv, radius=0.1)
        >>> renorm()
        1
        >>> [round(float(r), 4) for r in filter_rms(conv)]
        [0.1, 0.01]
    """

    def __init__(self, model: nn.Module, radius: float, layers: list[str] | None = None) -> None:
        if radius <= 0:
            raise ValueError(f"radius must be positive, got {radius}")
        self.radius = radius
        convs = {n: m for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}
        if layers is not None:
            unknown = [n for n in layers if n not in convs]
            if unknown:
                raise KeyError(f"no conv layers named {unknown}; conv layers are {list(convs)}")
            convs = {n: convs[n] for n in layers}
        self.convs = list(convs.values())

    @torch.no_grad()
    def __call__(self, *_: Any) -> int:
        """Renormalise in place; returns how many filters were scaled back."""
        clipped = 0
        for conv in self.convs:
            rms = filter_rms(conv)
            over = rms > self.radius
            if over.any():
                factor = torch.where(over, self.radius / rms, torch.ones_like(rms))
                conv.weight.mul_(factor.view(-1, 1, 1, 1))
                clipped += int(over.sum())
        return clipped

    def attach(self, optimizer: torch.optim.Optimizer):
        """Run after every ``optimizer.step()``; returns a handle whose ``remove()`` detaches."""
        return optimizer.register_step_post_hook(lambda *_: self())


def filter_rms(conv: nn.Conv2d) -> torch.Tensor:
    """RMS of each filter of ``conv``: a vector with one value per output map."""
    w = conv.weight.detach()
    return w.pow(2).mean(dim=(1, 2, 3)).sqrt()


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained model; its hash names the checkpoint.

    Example:
        >>> cfg = TrainConfig(epochs=2)
        >>> cfg.replace(epochs=3).epochs
        3
    """

    # The sizes default to the quick profile's (zfviz.core.profiles, where they are set once).
    arch: str = "zfnet"  # "zfnet" or "alexnet"
    variant: str = "a"  # zfnet only: "a" (Fig. 3) or "b" (wider layers 3-5)
    image_size: int = _QUICK.image_size
    width: float = _QUICK.width
    fc_units: int = _QUICK.fc_units
    remove: tuple[int, ...] = ()  # paper layers removed (ablations, Table 3)
    conv_maps: tuple[tuple[int, int], ...] = ()  # (layer, maps) overrides (ablations)
    classes: str = "source"
    train_per_class: int = _QUICK.train_per_class
    val_per_class: int = _QUICK.val_per_class
    data_seed: int = 0
    seed: int = 0
    epochs: int = _QUICK.epochs
    batch_size: int = 32
    lr: float = 2e-2
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_drops: tuple[int, ...] = (7, 9)
    dropout: float = 0.5
    input_scale: float = 128.0
    renorm_radius: float | None = field(default_factory=lambda: paper_radius(128.0))
    init: str = "kaiming"
    snapshot_epochs: tuple[int, ...] = _QUICK.snapshot_epochs

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["remove"] = list(self.remove)
        d["conv_maps"] = [list(p) for p in self.conv_maps]
        d["lr_drops"] = list(self.lr_drops)
        d["snapshot_epochs"] = list(self.snapshot_epochs)
        d["train_version"] = TRAIN_VERSION
        d["world_version"] = world.WORLD_VERSION
        return d

    @classmethod
    def tiny(cls, **changes: Any) -> TrainConfig:
        """A network that trains in about a second: for examples and tests, not for study.

        Example:
            >>> TrainConfig.tiny(seed=1).seed
            1
        """
        return cls(
            image_size=48, width=0.125, fc_units=16, train_per_class=1, val_per_class=1,
            epochs=1, lr_drops=(), snapshot_epochs=(),
        ).replace(**changes)  # fmt: skip

    @classmethod
    def from_profile(cls, profile: Profile, **changes: Any) -> TrainConfig:
        """The configuration of the network a profile trains here.

        The quick profile trains its main network this way. The full profile loads ImageNet
        weights instead (training them takes GPU-days), so for it this returns the quick
        profile's configuration: the training chapters then train the small network on the GPU.
        """
        if profile.pretrained is not None:
            profile = get_profile("quick", device=profile.device)
        cfg = cls(
            image_size=profile.image_size,
            width=profile.width,
            fc_units=profile.fc_units,
            train_per_class=profile.train_per_class,
            val_per_class=profile.val_per_class,
            epochs=profile.epochs,
            snapshot_epochs=profile.snapshot_epochs,
            seed=profile.seed,
            data_seed=profile.seed,
        )
        return cfg.replace(**changes)


def build_model(config: TrainConfig, num_classes: int) -> models.ConvNet:
    """The untrained network that ``config`` describes, initialised from ``config.seed``."""
    if config.arch == "zfnet":
        net = models.zfnet(
            num_classes=num_classes,
            input_size=config.image_size,
            width=config.width,
            fc_units=config.fc_units,
            variant=config.variant,
        )
    elif config.arch == "alexnet":
        net = models.alexnet(
            num_classes=num_classes,
            input_size=config.image_size,
            width=config.width,
            fc_units=config.fc_units,
        )
    else:
        raise ValueError(f"unknown arch {config.arch!r}: choose 'zfnet' or 'alexnet'")
    spec = net.spec
    if config.remove or config.conv_maps:
        spec = models.ablate(spec, remove=config.remove, conv_maps=dict(config.conv_maps))
    if config.dropout != spec.dropout:
        spec = dataclasses.replace(spec, dropout=config.dropout)
    torch.manual_seed(config.seed)
    net = models.ConvNet(spec)
    models.init_weights(net, scheme=config.init)
    return net


@dataclass
class TrainResult:
    """A trained network and what happened while it trained.

    Attributes:
        model: the network, in eval mode, on the CPU.
        preprocess: turns world images into inputs for it (mean image, crops, scale).
        history: one dict per epoch (``epoch``, ``train_loss``, ``train_acc``, ``val_acc``,
            ``lr``, ``seconds``, ``clipped``, ``conv1_rms``: the RMS of every layer-1 filter).
        snapshots: weights at ``config.snapshot_epochs`` (epoch -> state dict).
        config: what was trained.
        classes: class names, in label order.
        from_cache: whether the weights came from the checkpoint cache (or shipped).
        shipped: whether they are a network that ships with the book (:mod:`zfviz.nets.shipped`).
    """

    model: models.ConvNet
    preprocess: Preprocess
    history: list[dict[str, Any]]
    snapshots: dict[int, dict[str, torch.Tensor]]
    config: TrainConfig
    classes: tuple[str, ...]
    from_cache: bool = False
    shipped: bool = False

    @property
    def val_accuracy(self) -> float:
        return float(self.history[-1]["val_acc"])

    @property
    def train_seconds(self) -> float:
        return float(sum(h["seconds"] for h in self.history))

    def snapshot_model(self, epoch: int) -> models.ConvNet:
        """A copy of the network with the weights it had after ``epoch`` epochs."""
        if epoch not in self.snapshots:
            raise KeyError(f"no snapshot at epoch {epoch}; snapshots: {sorted(self.snapshots)}")
        net = models.ConvNet(self.model.spec)
        net.load_state_dict(self.snapshots[epoch])
        return net.eval()


def _lr_at(config: TrainConfig, epoch: int) -> float:
    return config.lr * 0.1 ** sum(epoch >= d for d in config.lr_drops)


@torch.no_grad()
def evaluate(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, batch: int = 256):
    """Top-1 accuracy of ``model`` on preprocessed ``inputs`` (eval mode, restored after)."""
    predicted = outputs(model, inputs, batch_size=batch).argmax(1)
    return float((predicted == labels.cpu()).sum()) / len(inputs)


def load_data(config: TrainConfig):
    source = crop_source_size(config.image_size)
    train = world.make_split(
        "train", config.classes, config.train_per_class, size=source, seed=config.data_seed
    )
    val = world.make_split(
        "val", config.classes, config.val_per_class, size=source, seed=config.data_seed
    )
    return train, val


PRECISIONS = ("fp32", "bf16", "auto")


def bf16_supported(device: str = "cpu") -> bool:
    """Whether ``device`` runs bfloat16 matrix products natively: a CUDA GPU that says so, or
    a CPU with AVX512-BF16 or AMX (oneDNN's own test). Elsewhere bf16 autocast is emulated and
    slower than float32.

    Example:
        >>> isinstance(bf16_supported("cpu"), bool)
        True
    """
    if str(device).startswith("cuda"):
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bf16" if bf16_supported(device) else "fp32"
    return precision


def _state_config(config: TrainConfig, precision: str, device: str) -> dict[str, Any]:
    # a run resumes only on what it started with: the same configuration, precision and kind
    # of device (an fp32 run must not continue a bf16 one)
    return {**config.as_dict(), "precision": precision, "device_type": torch.device(device).type}


def _rng_state(rng: np.random.Generator, device: str) -> dict[str, Any]:
    state = {"numpy": rng.bit_generator.state, "torch": torch.get_rng_state()}
    if torch.device(device).type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(torch.device(device))
    return state


def _set_rng_state(rng: np.random.Generator, state: dict[str, Any], device: str) -> None:
    rng.bit_generator.state = state["numpy"]
    torch.set_rng_state(state["torch"])
    if "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], torch.device(device))


def sgd_epoch(
    net: nn.Module,
    opt: torch.optim.Optimizer,
    renorm: FilterRenorm | None,
    pre: Preprocess,
    images: np.ndarray,
    target: torch.Tensor,
    crops: list[tuple[int, int, bool]],
    rng: np.random.Generator,
    batch_size: int,
    device: str = "cpu",
    precision: str = "fp32",
    bar: Any = None,
) -> tuple[float, int, int]:
    """One epoch of the paper's SGD: every image once, in a random order, each as one of the
    ten crops drawn at random, filter renormalisation after every step.

    The one training loop of the package: :func:`train` (the book's networks) and
    :func:`zfviz.methods.transfer.train_from_scratch` (the non-pretrained baseline) both run it. The
    learning rate is the caller's (``opt``'s param groups). Returns the summed loss, the number
    of correct predictions (training mode: dropout on, random crops) and how many filters the
    renormalisation scaled back.
    """
    bf16 = precision == "bf16"
    layout = torch.channels_last if bf16 else torch.contiguous_format
    net.train()
    n = len(images)
    order = rng.permutation(n)
    which = rng.integers(0, len(crops), size=n)
    loss_sum, correct, clipped = 0.0, 0, 0
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        x = torch.cat([pre(images[i : i + 1], *crops[which[i]]) for i in idx])
        x = x.to(device, non_blocking=True).contiguous(memory_format=layout)  # (B, 3, S, S)
        y = target[idx]
        with torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16):
            logits = net(x)
            loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if renorm is not None:
            clipped += renorm()
        loss_sum += float(loss.detach()) * len(idx)
        correct += int((logits.argmax(1) == y).sum())
        if bar is not None:
            bar.update()
    return loss_sum, correct, clipped


def train(
    config: TrainConfig,
    progress: bool = True,
    device: str = "cpu",
    precision: str = "fp32",
    state_path: str | None = None,
) -> TrainResult:
    """Train the network ``config`` describes on the embedded world, from scratch.

    Deterministic for a given configuration, precision and machine. Prefer
    :func:`trained_model`, which caches the result. The returned model is on the CPU, in
    float32, whatever ``device`` and ``precision`` trained it.

    Args:
        precision: ``"fp32"``; ``"bf16"``: bfloat16 autocast with channels-last tensors (about
            1.5x faster on CPUs with AVX512-BF16 or AMX and on recent GPUs; weights and
            optimiser state stay float32); ``"auto"``: bf16 where :func:`bf16_supported`.
        state_path: where to keep the run's state after every finished epoch (weights,
            optimiser, random generators, history), written atomically. A run that finds a
            state there for the same configuration resumes after its last finished epoch, and
            ends exactly as an uninterrupted run would; the file is removed at the end.

    Example:
        >>> result = train(TrainConfig(epochs=1, train_per_class=8, val_per_class=2,
        ...                            snapshot_epochs=(1,)), progress=False)
        >>> len(result.history)
        1
    """
    precision = resolve_precision(precision, device)
    train_set, val_set = load_data(config)
    pre = Preprocess.fit(train_set.images, config.image_size, scale=config.input_scale)
    val_x = pre(val_set.images).to(device)
    val_y = torch.from_numpy(val_set.labels).to(device)
    train_y = torch.from_numpy(train_set.labels).to(device)
    layout = torch.channels_last if precision == "bf16" else torch.contiguous_format

    def fresh() -> tuple[nn.Module, torch.optim.Optimizer, FilterRenorm | None]:
        net = build_model(config, num_classes=len(train_set.classes))  # seeds torch
        net = net.to(device).to(memory_format=layout)
        opt = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum,
                              weight_decay=config.weight_decay)  # fmt: skip
        return net, opt, FilterRenorm(net, config.renorm_radius) if config.renorm_radius else None

    net, opt, renorm = fresh()
    crops = ten_crop_offsets(pre.source_size, config.image_size)
    rng = np.random.default_rng(config.seed)
    n = len(train_set)
    steps = (n + config.batch_size - 1) // config.batch_size
    history: list[dict[str, Any]] = []
    snapshots: dict[int, dict[str, torch.Tensor]] = {}
    state_key = _state_config(config, precision, device)
    if state_path is not None and os.path.exists(state_path):
        try:
            state = checkpoints.load_checkpoint(state_path, state_key)
            net.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            _set_rng_state(rng, state["rng"], device)
            history, snapshots = list(state["history"]), dict(state["snapshots"])
        except (checkpoints.CheckpointError, KeyError, RuntimeError, ValueError) as e:
            warnings.warn(f"not resuming from {state_path}: {e}; training from scratch",
                          stacklevel=2)  # fmt: skip
            net, opt, renorm = fresh()
            rng = np.random.default_rng(config.seed)
            history, snapshots = [], {}
    first = len(history) + 1
    bar = tqdm(total=config.epochs * steps, initial=(first - 1) * steps, desc="training",
               disable=not progress, leave=False)  # fmt: skip
    for epoch in range(first, config.epochs + 1):
        start = time.perf_counter()
        lr = _lr_at(config, epoch - 1)
        for g in opt.param_groups:
            g["lr"] = lr
        loss_sum, correct, clipped = sgd_epoch(
            net, opt, renorm, pre, train_set.images, train_y, crops, rng, config.batch_size,
            device, precision, bar,
        )  # fmt: skip
        record = {
            "epoch": epoch,
            "lr": lr,
            "train_loss": loss_sum / n,
            "train_acc": correct / n,
            "val_acc": evaluate(net, val_x, val_y),
            "seconds": time.perf_counter() - start,
            "clipped": clipped,
            "conv1_rms": filter_rms(net.features.conv1).cpu().tolist(),
        }
        history.append(record)
        bar.set_postfix(loss=f"{record['train_loss']:.3f}", val=f"{record['val_acc']:.3f}")
        if epoch in config.snapshot_epochs:
            snapshots[epoch] = {
                k: v.detach().cpu().contiguous().clone() for k, v in net.state_dict().items()
            }
        if state_path is not None:
            state = {
                "model": net.state_dict(),
                "optimizer": opt.state_dict(),
                "rng": _rng_state(rng, device),
                "history": history,
                "snapshots": snapshots,
            }
            checkpoints.save_checkpoint(state_path, state_key, state)  # fmt: skip
    bar.close()
    net = net.cpu().to(memory_format=torch.contiguous_format).eval()
    if state_path is not None and os.path.exists(state_path):
        os.remove(state_path)
    return TrainResult(net, pre, history, snapshots, config, tuple(train_set.classes))


def checkpoint_path(config: TrainConfig, precision: str = "fp32") -> str:
    """Where the cache keeps the checkpoint of ``config`` (trained in ``precision``: a bf16
    network is another file, so it never stands in for the float32 one)."""
    key = checkpoints.config_key(cache_key(config, precision))
    return os.path.join(cache_dir(), "checkpoints", f"{config.arch}-{key[:20]}.pt")


def cache_key(config: TrainConfig, precision: str) -> dict[str, Any]:
    # float32 keeps the key it always had, so existing caches and shipped networks still fit
    return config.as_dict() if precision == "fp32" else {**config.as_dict(), "precision": precision}


def to_payload(result: TrainResult) -> dict[str, Any]:
    return {
        "state_dict": result.model.state_dict(),
        "mean_image": torch.from_numpy(result.preprocess.mean_image),
        "history": result.history,
        "snapshots": result.snapshots,
        "classes": list(result.classes),
    }


def from_payload(config: TrainConfig, payload: dict[str, Any]) -> TrainResult:
    try:
        classes = tuple(payload["classes"])
        net = build_model(config, num_classes=len(classes))
        net.load_state_dict(payload["state_dict"])
        pre = Preprocess(payload["mean_image"].numpy(), config.image_size, config.input_scale)
        history = list(payload["history"])
        snapshots = {  # shipped snapshots are float16 on disk
            epoch: {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
            for epoch, state in dict(payload["snapshots"]).items()
        }
    except (KeyError, RuntimeError, TypeError, AttributeError) as e:
        raise checkpoints.CheckpointError(f"checkpoint does not fit the model ({e})") from e
    return TrainResult(net.eval(), pre, history, snapshots, config, classes, from_cache=True)


# ---- claims about a training run ----------------------------------------------------------


def _accuracy(name: str, value: float) -> float:
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be an accuracy in [0, 1], got {value!r}")
    return value


def claim_learns_the_task(
    val_accuracy: float, target: float = 0.85, network: str = "the network"
) -> Verdict:
    """The trained network classifies held-out images with top-1 accuracy above ``target``.

    The later chapters study what a network that solves its task has learned; this is the
    claim that it does. ``network`` names it in the claim's words. The margin is the accuracy
    minus the target. A network at chance (an untrained one, or one trained on shuffled
    labels) fails it for any target above chance.

    Example:
        >>> claim_learns_the_task(0.9).holds, claim_learns_the_task(0.1).holds
        (True, False)
    """
    target = _accuracy("target", target)
    return at_least(
        f"{network} learns the task (validation top-1 above {target:.0%})",
        "Sec. 3",
        "validation top-1",
        _accuracy("val_accuracy", val_accuracy),
        "target",
        target,
    )


def claim_beats_pixel_baseline(
    val_accuracy: float, linear_accuracy: float, by: float = 0.3
) -> Verdict:
    """The network's top-1 accuracy exceeds a linear classifier's on raw pixels by ``by``.

    ``linear_accuracy`` is :func:`zfviz.methods.baselines.pixel_linear_accuracy` on the same
    classes. A task that a linear classifier on pixels solves says little about what depth buys, so
    the claim is that the convnet does much better. The margin is the lead minus ``by``.

    Example:
        >>> claim_beats_pixel_baseline(0.9, 0.4).holds, claim_beats_pixel_baseline(0.6, 0.4).holds
        (True, False)
    """
    return at_least(
        f"the network beats a linear classifier on pixels by more than {100 * by:.0f} points",
        "Sec. 3",
        "validation top-1",
        _accuracy("val_accuracy", val_accuracy),
        "pixel-linear top-1",
        _accuracy("linear_accuracy", linear_accuracy),
        by=by,
    )
