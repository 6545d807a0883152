"""zfviz: re-creating Zeiler & Fergus (2014),
"Visualizing and Understanding Convolutional Networks", as an executable book.

The package is in five layers; each may import only the ones above it in this list:

- :mod:`zfviz.core`: checks, hooks, artefacts, profiles, the claims' verdicts, the paper's numbers;
- :mod:`zfviz.data`: the embedded world and the real data sets;
- :mod:`zfviz.nets`: the networks, their training, weights and the shipped zoo;
- :mod:`zfviz.methods`: the paper's methods and the claims checked with them;
- :mod:`zfviz.book`: the book's machinery (the chapter's subject, figures, widgets, exercises).

Every module is also reachable by its short name, ``from zfviz import world``, loaded on first use.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.2.0"

# short name -> module, for ``from zfviz import world`` (see ARCHITECTURE.md)
MODULES: dict[str, str] = {
    "checks": "zfviz.core.checks",
    "hooks": "zfviz.core.hooks",
    "checkpoints": "zfviz.core.checkpoints",
    "profiles": "zfviz.core.profiles",
    "claims": "zfviz.core.claims",
    "results": "zfviz.core.results",
    "paper": "zfviz.core.paper",
    "glue": "zfviz.core.glue",
    "world": "zfviz.data.world",
    "datasets": "zfviz.data.datasets",
    "preprocess": "zfviz.data.preprocess",
    "overlap": "zfviz.data.overlap",
    "voc": "zfviz.data.voc",
    "models": "zfviz.nets.models",
    "layers": "zfviz.nets.layers",
    "receptive_field": "zfviz.nets.receptive_field",
    "weights": "zfviz.nets.weights",
    "train": "zfviz.nets.train",
    "shipped": "zfviz.nets.shipped",
    "variants": "zfviz.nets.variants",
    "parallel": "zfviz.nets.parallel",
    "predict": "zfviz.nets.predict",
    "ship": "zfviz.nets.ship",
    "deconvnet": "zfviz.methods.deconvnet",
    "mining": "zfviz.methods.mining",
    "occlusion": "zfviz.methods.occlusion",
    "occlusion_scores": "zfviz.methods.occlusion_scores",
    "gradcam": "zfviz.methods.gradcam",
    "invariance": "zfviz.methods.invariance",
    "invariance_claims": "zfviz.methods.invariance_claims",
    "correspondence": "zfviz.methods.correspondence",
    "correspondence_claims": "zfviz.methods.correspondence_claims",
    "architecture": "zfviz.methods.architecture",
    "ablations": "zfviz.methods.ablations",
    "ablation_claims": "zfviz.methods.ablation_claims",
    "transfer": "zfviz.methods.transfer",
    "transfer_claims": "zfviz.methods.transfer_claims",
    "scratch_zoo": "zfviz.methods.scratch_zoo",
    "multilabel": "zfviz.methods.multilabel",
    "multilabel_claims": "zfviz.methods.multilabel_claims",
    "evolution": "zfviz.methods.evolution",
    "hierarchy": "zfviz.methods.hierarchy",
    "baselines": "zfviz.methods.baselines",
    "summary": "zfviz.methods.summary",
    "subject": "zfviz.book.subject",
    "ledger": "zfviz.book.ledger",
    "plotting": "zfviz.book.plotting",
    "diagrams": "zfviz.book.diagrams",
    "widgets": "zfviz.book.widgets",
    "exercises": "zfviz.book.exercises",
    "student_edition": "zfviz.book.student_edition",
    "setup_cell": "zfviz.book.setup_cell",
}


def __getattr__(name: str) -> ModuleType:
    if name in MODULES:
        return importlib.import_module(MODULES[name])
    raise AttributeError(f"module 'zfviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *MODULES])
