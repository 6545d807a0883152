"""The book's machinery: what a chapter studies (``subject``), the claims ledger, figures
(``plotting``), sliders (``widgets``), exercises and the student edition, and the Colab set-up
cell.

May import everything below it; nothing in zfviz imports it.
"""
