"""The images: the embedded world (``world``, the quick profile's data), the real data sets of
the full profile (``datasets``), and the preprocessing both share (``preprocess``).

May import :mod:`zfviz.core`; nothing above.
"""
