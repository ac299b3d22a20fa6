"""``python -m desktop`` opens the desktop app (``reframe`` is the command line)."""

from __future__ import annotations

import sys


def main() -> int:
    from desktop.gui.app import main as gui_main

    return gui_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
