"""Which applications can open a photo, from the freedesktop (XDG) MIME database, and how to start one.

On Linux desktops an application says what it opens in its ``.desktop`` file, and the system keeps the
lists in ``applications/mimeinfo.cache`` under each data folder; ``mimeapps.list`` files (in the config and
data folders) add, remove and choose defaults. :func:`apps_for` reads them the way ``gio mime`` does
(default first, then the rest by name) and :func:`command` turns an entry's ``Exec`` line into a program and
its arguments for the chosen files. macOS and Windows have their own "open with" chooser, which the app
calls instead.

Nothing here imports Qt.
"""

from __future__ import annotations

import configparser
import mimetypes
import os
import shlex
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

#: What ``mimetypes`` may not know on every system.
_EXTRA_TYPES = {
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
}
_ENTRY = "Desktop Entry"


@dataclass(frozen=True)
class DesktopApp:
    id: str  # "org.gnome.eog.desktop"
    name: str  # "Image Viewer"
    exec: str  # the Exec line, with its field codes
    file: str  # the .desktop file
    icon: str = ""
    default: bool = False


def mime_type(path: str | os.PathLike[str]) -> str:
    """The MIME type of a photo file by its name (``image/jpeg``); ``application/octet-stream`` if unknown."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type(os.fspath(path))[0] or "application/octet-stream"


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(";") if v]


def config_dirs(env: dict[str, str] | None = None) -> list[Path]:
    e = os.environ if env is None else env
    home = Path(e.get("HOME", os.path.expanduser("~")))
    first = Path(e.get("XDG_CONFIG_HOME") or home / ".config")
    return [first, *(Path(p) for p in (e.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep) if p)]


def data_dirs(env: dict[str, str] | None = None) -> list[Path]:
    e = os.environ if env is None else env
    home = Path(e.get("HOME", os.path.expanduser("~")))
    first = Path(e.get("XDG_DATA_HOME") or home / ".local" / "share")
    rest = (e.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(os.pathsep)
    return [first, *(Path(p) for p in rest if p)]


def _read_ini(path: Path) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    return parser


def find_entry(app_id: str, dirs: Iterable[Path]) -> Path | None:
    """The ``.desktop`` file of ``app_id`` (``a-b.desktop`` may also live at ``a/b.desktop``)."""
    for d in dirs:
        for candidate in (d / "applications" / app_id, d / "applications" / app_id.replace("-", "/", 1)):
            if candidate.is_file():
                return candidate
    return None


def read_entry(app_id: str, file: Path) -> DesktopApp | None:
    """An application that can be shown in a menu, or None (hidden, no Exec, its program missing)."""
    parser = _read_ini(file)
    if parser is None or not parser.has_section(_ENTRY):
        return None
    entry = parser[_ENTRY]
    if entry.get("Type", "Application") != "Application" or not entry.get("Exec"):
        return None
    if entry.get("Hidden", "false") == "true" or entry.get("Terminal", "false") == "true":
        return None
    try_exec = entry.get("TryExec")
    if try_exec and not shutil.which(try_exec):
        return None
    return DesktopApp(app_id, entry.get("Name", app_id), entry["Exec"], os.fspath(file), entry.get("Icon", ""))


def apps_for(mime: str, env: dict[str, str] | None = None) -> list[DesktopApp]:
    """Applications that open ``mime``: the default first (marked), then the others by name."""
    dirs = data_dirs(env)
    lists = [c / "mimeapps.list" for c in config_dirs(env)] + [d / "applications" / "mimeapps.list" for d in dirs]
    defaults: list[str] = []
    added: list[str] = []
    removed: set[str] = set()
    for path in lists:
        parser = _read_ini(path) if path.is_file() else None
        if parser is None:
            continue
        if parser.has_section("Default Applications"):
            defaults += _split(parser["Default Applications"].get(mime))
        if parser.has_section("Added Associations"):
            added += _split(parser["Added Associations"].get(mime))
        if parser.has_section("Removed Associations"):
            removed |= set(_split(parser["Removed Associations"].get(mime)))
    cached: list[str] = []
    for d in dirs:
        cache = d / "applications" / "mimeinfo.cache"
        parser = _read_ini(cache) if cache.is_file() else None
        if parser is not None and parser.has_section("MIME Cache"):
            cached += _split(parser["MIME Cache"].get(mime))
    found: dict[str, DesktopApp] = {}
    for app_id in [*defaults, *added, *cached]:
        if app_id in found or app_id in removed:
            continue
        file = find_entry(app_id, dirs)
        app = read_entry(app_id, file) if file is not None else None
        if app is not None:
            found[app_id] = app
    default_id = next((a for a in defaults if a in found), None)
    apps = sorted((a for a in found.values() if a.id != default_id), key=lambda a: a.name.casefold())
    if default_id is not None:
        chosen = found[default_id]
        apps.insert(0, DesktopApp(chosen.id, chosen.name, chosen.exec, chosen.file, chosen.icon, default=True))
    return apps


def _file_url(path: str) -> str:
    return "file://" + quote(os.path.abspath(path))


def command(app: DesktopApp, paths: Sequence[str]) -> list[list[str]]:
    """The program and arguments to start ``app`` on ``paths``: one command, or one per file when its Exec
    line takes a single file (``%f``/``%u``). Raises ``ValueError`` for an Exec line that does not parse."""
    words = shlex.split(app.exec)
    single = not any(w in ("%F", "%U") for w in words)
    groups = [[p] for p in paths] if single and any(c in app.exec for c in ("%f", "%u")) else [list(paths)]
    commands: list[list[str]] = []
    for group in groups:
        argv: list[str] = []
        for word in words:
            if word in ("%f", "%F"):
                argv += group if word == "%F" else group[:1]
            elif word in ("%u", "%U"):
                urls = [_file_url(p) for p in group]
                argv += urls if word == "%U" else urls[:1]
            elif word == "%i":
                argv += ["--icon", app.icon] if app.icon else []
            elif word == "%c":
                argv.append(app.name)
            elif word == "%k":
                argv.append(app.file)
            else:
                argv.append(_expand_word(word, app))
        argv = [a for a in argv if a != ""]
        if argv:
            commands.append(argv)
    if not commands:
        raise ValueError(f"the Exec line of {app.id} names no program")
    return commands


def _expand_word(word: str, app: DesktopApp) -> str:
    """A word with ``%%`` made ``%``, ``%c`` and ``%k`` filled in, and other field codes removed (files
    only ever stand as whole words)."""
    out: list[str] = []
    i = 0
    while i < len(word):
        if word[i] == "%" and i + 1 < len(word):
            out.append({"%": "%", "c": app.name, "k": app.file}.get(word[i + 1], ""))
            i += 2
            continue
        out.append(word[i])
        i += 1
    return "".join(out)
