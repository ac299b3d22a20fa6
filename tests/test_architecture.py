"""The engine stays Qt-free: only desktop/gui may import Qt, so the CLI, tests and a server share it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "desktop"
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_qt_is_imported_only_in_desktop_gui() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "gui":
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in QT:
                offenders.append(f"{rel}: {name}")
    assert not offenders, offenders


def test_the_engine_imports_without_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import desktop.library, desktop.cli, desktop.ingest.watch, desktop.thumbs, desktop.compose.cirr\n"
        "print(any(m.split('.')[0] in {'PySide6', 'shiboken6'} for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
