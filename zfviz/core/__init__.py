"""The foundations every other layer stands on: argument checks, hook hygiene, atomic
artefacts (checkpoints), the two profiles, the claims' verdict type, the results registry, the
paper's own numbers, and glue for the chapters' prose.

Imports nothing else of zfviz (only the standard library, NumPy and torch), so that any module
may import it.
"""
