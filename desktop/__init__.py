"""Reframe: search a photo library by text, by example, and by example + change (composed search).

Everything in this package except :mod:`desktop.gui` is free of Qt, so the command line, the tests and
the desktop app share one engine.
"""

__version__ = "0.1.0"
