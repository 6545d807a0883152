"""From images to network inputs, as in section 3 of the paper.

The paper resizes each image to 256x256, subtracts the per-pixel mean over the training set, and
takes 224x224 sub-crops: the four corners and the centre, each with and without a horizontal flip
(ten crops). The book scales the same recipe: images are rendered at ``crop_source_size(s)``
(256/224 of the network input ``s``), and crops of side ``s`` are taken from them.

Pixel values stay in the paper's units (0..255 minus the mean, so roughly -128..128) divided by
``scale``; the default ``scale=128`` puts inputs in roughly -1..1, which suits the He
initialisation the book trains with (see ``zfviz.nets.train``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def crop_source_size(image_size: int) -> int:
    """Side of the image that crops of side ``image_size`` are taken from (256/224 of it).

    Example:
        >>> crop_source_size(224), crop_source_size(112)
        (256, 128)
    """
    return int(round(image_size * 256 / 224))


def ten_crop_offsets(source: int, crop: int) -> list[tuple[int, int, bool]]:
    """The paper's ten crops as ``(top, left, flip)``: 4 corners and centre, each +- flip.

    Example:
        >>> ten_crop_offsets(128, 112)[:5]
        [(0, 0, False), (0, 16, False), (16, 0, False), (16, 16, False), (8, 8, False)]
    """
    if crop > source:
        raise ValueError(f"crop {crop} is larger than the image {source}")
    m = source - crop
    five = [(0, 0), (0, m), (m, 0), (m, m), (m // 2, m // 2)]
    return [(t, left, flip) for flip in (False, True) for t, left in five]


def _as_uint8_batch(images: np.ndarray) -> np.ndarray:
    if not isinstance(images, np.ndarray) or images.ndim != 4 or images.shape[-1] != 3:
        shape = getattr(images, "shape", type(images).__name__)
        raise ValueError(f"expected images of shape (N, H, W, 3) as a numpy array, got {shape}")
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"expected square images, got {images.shape[1]}x{images.shape[2]}")
    return images


@dataclass
class Preprocess:
    """Mean subtraction and cropping that turn uint8 images into network inputs.

    Attributes:
        mean_image: per-pixel mean over the training set, (S, S, 3) float32, S the source side.
        image_size: side of the network input.
        scale: inputs are ``(pixels - mean) / scale``.

    Example:
        >>> import numpy as np
        >>> imgs = np.full((2, 128, 128, 3), 200, np.uint8)
        >>> pre = Preprocess.fit(imgs, image_size=112)
        >>> pre(imgs).shape
        torch.Size([2, 3, 112, 112])
    """

    mean_image: np.ndarray
    image_size: int
    scale: float = 128.0

    @classmethod
    def fit(cls, images: np.ndarray, image_size: int, scale: float = 128.0) -> Preprocess:
        """Per-pixel mean of ``images`` (N, S, S, 3) uint8, S = ``crop_source_size(image_size)``."""
        images = _as_uint8_batch(images)
        mean = images.mean(axis=0, dtype=np.float64).astype(np.float32)
        return cls(mean_image=mean, image_size=image_size, scale=scale)

    @property
    def source_size(self) -> int:
        return self.mean_image.shape[0]

    def _mean_for(self, side: int) -> np.ndarray:
        if side == self.source_size:
            return self.mean_image
        if side == self.image_size:  # an image already at network size: use the centre of the mean
            o = (self.source_size - side) // 2
            return self.mean_image[o : o + side, o : o + side]
        raise ValueError(
            f"expected images of side {self.source_size} (to be cropped) or {self.image_size} "
            f"(network size), got {side}"
        )

    def __call__(
        self, images: np.ndarray, top: int | None = None, left: int | None = None, flip=False
    ) -> torch.Tensor:
        """Subtract the mean, crop (centre by default) and return a float (N, 3, s, s) tensor."""
        images = _as_uint8_batch(images)
        side = images.shape[1]
        x = (images.astype(np.float32) - self._mean_for(side)) / self.scale
        s = self.image_size
        if top is None or left is None:
            top = left = (side - s) // 2
        x = x[:, top : top + s, left : left + s]
        if flip:
            x = x[:, :, ::-1]
        return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    def to_pixels(self, x: torch.Tensor) -> np.ndarray:
        """Undo :meth:`__call__` for display: (N, 3, s, s) inputs back to uint8 (N, s, s, 3)."""
        mean = self._mean_for(x.shape[-1])
        x = x.detach().cpu().numpy().transpose(0, 2, 3, 1) * self.scale + mean
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)


@dataclass
class ImageNetPreprocess:
    """The ImageNet models' preprocessing (pytorchcv and torchvision): RGB in [0, 1], minus a
    per-channel ``mean``, divided by a per-channel ``std``; images already cropped to
    ``image_size`` (see :func:`zfviz.data.datasets.load_image`). The same interface as
    :class:`Preprocess`, so chapters run unchanged in the full profile.

    Example:
        >>> import numpy as np
        >>> pre = ImageNetPreprocess()
        >>> x = pre(np.full((1, 224, 224, 3), 255, np.uint8))
        >>> x.shape, round(float(x[0, 0, 0, 0]), 3)
        (torch.Size([1, 3, 224, 224]), 2.249)
        >>> int(pre.to_pixels(x)[0, 0, 0, 0])
        255
    """

    image_size: int = 224
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def __call__(self, images: np.ndarray) -> torch.Tensor:
        """uint8 images ``(N, image_size, image_size, 3)`` to a float ``(N, 3, s, s)`` tensor."""
        images = _as_uint8_batch(images)
        if images.shape[1:3] != (self.image_size, self.image_size):
            raise ValueError(
                f"expected images of {self.image_size}x{self.image_size} (resized and cropped "
                f"with zfviz.data.datasets.load_image), got {images.shape[1]}x{images.shape[2]}"
            )
        x = (images.astype(np.float32) / 255.0 - np.float32(self.mean)) / np.float32(self.std)
        return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    def to_pixels(self, x: torch.Tensor) -> np.ndarray:
        """Undo :meth:`__call__` for display: (N, 3, s, s) inputs back to uint8 (N, s, s, 3)."""
        x = x.detach().cpu().numpy().transpose(0, 2, 3, 1)
        x = (x * np.float32(self.std) + np.float32(self.mean)) * 255.0
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)
