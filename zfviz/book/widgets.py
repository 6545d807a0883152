"""Controls for the reader: live ipywidgets, and a JavaScript-only slider for the static book.

A rendered page cannot run Python, so a chapter with sliders also embeds
:func:`static_slider`: a grid of precomputed pictures (one per combination of the sliders'
values) and a few lines of JavaScript that swap them. On Jupyter or Colab, the chapter's
ipywidgets (``ipywidgets.interact``) do the same live, on any value.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

__all__ = ["encode_image", "static_slider"]


def encode_image(image: np.ndarray | Figure, quality: int = 85) -> str:
    """A ``data:`` URL (JPEG) of an image ``(H, W, 3)`` (uint8, or float in [0, 1]) or a figure.

    Example:
        >>> encode_image(np.zeros((4, 4, 3), np.uint8))[:23]
        'data:image/jpeg;base64,'
    """
    from PIL import Image

    if isinstance(image, Figure):
        buffer = io.BytesIO()
        image.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an image of shape (H, W, 3), got {image.shape}")
    if image.dtype != np.uint8:
        image = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


_SCRIPT = """
<script>
(function () {
  const root = document.getElementById(%(id)s);
  const frames = %(frames)s, labels = %(labels)s, captions = %(captions)s;
  const inputs = Array.from(root.querySelectorAll("input"));
  function show() {
    const key = inputs.map((input) => input.value).join(",");
    inputs.forEach((input, a) => {
      input.nextElementSibling.textContent = labels[a][+input.value];
    });
    root.querySelector("img").src = frames[key];
    root.querySelector(".zfviz-caption").textContent = captions[key] || "";
  }
  inputs.forEach((input) => input.addEventListener("input", show));
  show();
})();
</script>
"""


def static_slider(
    axes: Mapping[str, Sequence[object]],
    frames: Mapping[tuple[int, ...], str],
    captions: Mapping[tuple[int, ...], str] | None = None,
    width: int | None = None,
) -> str:
    """HTML for sliders that swap precomputed pictures, with no Python behind them.

    Args:
        axes: slider name -> its values, in order (shown as the slider's label).
        frames: for every combination of value indices ``(i_0, i_1, ...)``, one picture as a
            ``data:`` URL (see :func:`encode_image`).
        captions: optional text under the picture, per combination.
        width: display width of the picture in pixels (default: its own).

    Returns:
        The HTML; show it with ``IPython.display.HTML``. Its element id is derived from the
        content, so re-running a chapter gives the same page.

    Example:
        >>> page = static_slider({"size": [8, 16]}, {(0,): "data:,a", (1,): "data:,b"})
        >>> page.count('type="range"')
        1
    """
    names = list(axes)
    if not names:
        raise ValueError("static_slider needs at least one axis")
    sizes = [len(axes[name]) for name in names]
    if min(sizes) < 1:
        raise ValueError(f"every axis needs at least one value, got sizes {sizes}")
    missing = [k for k in itertools.product(*map(range, sizes)) if k not in frames]
    if missing:
        raise ValueError(f"a picture is missing for {len(missing)} combinations, e.g. {missing[0]}")
    key = ",".join
    frame_js = {key(map(str, k)): v for k, v in frames.items()}
    caption_js = {key(map(str, k)): v for k, v in (captions or {}).items()}
    labels = [[f"{name} = {value}" for value in axes[name]] for name in names]
    digest = hashlib.sha1(json.dumps([labels, sorted(frame_js)]).encode()).hexdigest()[:10]
    element = f"zfviz-{digest}"
    style = f' style="width:{width}px"' if width else ""
    controls = "".join(
        f'<div><input type="range" min="0" max="{n - 1}" value="0" step="1" '
        f'aria-label="{html.escape(name)}"> <span></span></div>'
        for name, n in zip(names, sizes, strict=True)
    )
    script = _SCRIPT % {
        "id": json.dumps(element),
        "frames": json.dumps(frame_js),
        "labels": json.dumps(labels),
        "captions": json.dumps(caption_js),
    }
    return (
        f'<div id="{element}" class="zfviz-static-slider">{controls}'
        f'<img alt="precomputed result"{style}><div class="zfviz-caption"></div></div>{script}'
    )
