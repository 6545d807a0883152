"""The networks: their definitions (``models``), layer lookup (``layers``), receptive fields,
ImageNet weights (``weights``), training (``train``), the ablations' variants of the network
(``variants``), parallel training (``parallel``), and the networks that ship with the book
(``shipped``, its files in ``zoo/``; ``python -m zfviz.nets.ship`` refreshes them).

May import :mod:`zfviz.core` and :mod:`zfviz.data`; nothing above.
"""
