"""The paper's methods, one module each (the deconvnet, mining the top activations, occlusion,
invariance, correspondence, the architecture comparison, ablations, transfer, feature
evolution, Grad-CAM), and beside each the claims a chapter checks with it (``*_claims``).

May import :mod:`zfviz.core`, :mod:`zfviz.data` and :mod:`zfviz.nets`; not :mod:`zfviz.book`.
"""
