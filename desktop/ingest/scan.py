"""Finding candidate image files under a library root.

The walk uses ``os.scandir`` and the ``stat`` it caches, so a folder costs one directory read and
each entry at most one ``stat``. Symbolic links are followed under their real path, and a set of
visited ``(st_dev, st_ino)`` keeps loops and repeated links from being walked twice, so one file is
never found under two names. Pseudo-filesystems (``/proc``, ``/sys``, ``/dev``, ``/run``) and the
inside of a Reframe library are never entered. Problems with single entries are reported through
``on_error`` and the walk goes on; only an unusable root raises, so an unplugged drive never looks
like an empty folder.
"""

from __future__ import annotations

import fnmatch
import operator
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ErrorCallback = Callable[[str, str], None]

#: Extensions kept without opening the file (the decoder still checks the content).
IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg", ".jpeg", ".jpe", ".jfif",
        ".png", ".gif", ".webp", ".bmp", ".dib",
        ".tif", ".tiff",
        ".heic", ".heif", ".hif", ".avif",
    }
)  # fmt: skip

#: Extensions dropped without opening the file: never a supported still image. Camera raw files
#: are here too: most are TIFF containers whose first image is a small preview, not the photo.
NON_IMAGE_EXTENSIONS = frozenset(
    {
        ".mov", ".mp4", ".m4v", ".avi", ".mkv", ".mts", ".m2ts", ".3gp", ".wmv", ".mpg", ".mpeg",
        ".mp3", ".m4a", ".wav", ".aac", ".flac", ".ogg",
        ".xmp", ".aae", ".json", ".xml", ".txt", ".md", ".csv", ".log", ".ini", ".db", ".sqlite",
        ".html", ".htm", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".7z",
        ".psd", ".svg", ".ico", ".exe", ".dll", ".py", ".js",
        ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".orf", ".rw2", ".raf",
        ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".mrw",
    }
)  # fmt: skip

#: Folder and file names never worth looking into, compared case-insensitively. Names starting
#: with "." (hidden on macOS and Linux) are skipped anyway; they are listed for completeness.
JUNK_NAMES = frozenset(
    name.casefold()
    for name in (
        ".git", ".svn", ".hg", "@eaDir", "#recycle", "#snapshot", "@Recycle", "$RECYCLE.BIN",
        "System Volume Information", ".thumbnails", "__MACOSX", "node_modules", "lost+found",
        ".Trashes", ".Spotlight-V100", ".fseventsd", ".DS_Store", "Thumbs.db", "ehthumbs.db",
        "desktop.ini",
    )
)  # fmt: skip

_WINDOWS = os.name == "nt"
_HIDDEN_ATTRIBUTES = stat.FILE_ATTRIBUTE_HIDDEN | stat.FILE_ATTRIBUTE_SYSTEM  # Windows only
_by_name = operator.attrgetter("name")

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"})
SNIFF_BYTES = 32


@dataclass(frozen=True)
class FileEntry:
    """A regular, non-empty file as found under a root (symbolic links are not resolved)."""

    path: str
    size: int
    mtime_ns: int


#: Kernel-made trees: their files are not photos, and /proc links back into the whole file system.
PSEUDO_FILESYSTEMS = ("/proc", "/sys", "/dev", "/run") if os.name == "posix" else ()

#: A folder holding this file is a Reframe library; its own subfolders are never photo folders.
LIBRARY_MARKER = "catalog.sqlite3"
LIBRARY_SUBFOLDERS = frozenset({"indexes", "thumbnails", "models", "combiners", "logs"})

#: Why a root cannot be looked at, in words; anything else is "not reachable".
PERMISSION_DENIED = "permission denied"


def root_problem(root: Path) -> str | None:
    """Why ``root`` cannot be listed right now (None: it can).

    "permission denied" when the folder is there but this user may not read it; "not reachable"
    otherwise (drive unplugged, share offline). Never "empty".
    """
    try:
        with os.scandir(root) as it:
            next(it, None)
    except PermissionError:
        return PERMISSION_DENIED
    except OSError:
        return "not reachable"
    return None


def root_available(root: Path) -> bool:
    """Whether ``root`` exists, is a directory and can be listed."""
    return root_problem(root) is None


def is_pseudo_filesystem(path: str, *, resolve: bool = True) -> bool:
    real = os.path.realpath(path) if resolve else path
    return any(real == p or real.startswith(p + "/") for p in PSEUDO_FILESYSTEMS)


def _inside_library(folder: str) -> bool:
    """``folder`` is one of a Reframe library's own subfolders (thumbnails, indexes, ...)."""
    if os.path.basename(folder) not in LIBRARY_SUBFOLDERS:
        return False
    return os.path.isfile(os.path.join(os.path.dirname(folder), LIBRARY_MARKER))


def scan_root(
    root: Path,
    *,
    excluded: Sequence[str] = (),
    on_error: ErrorCallback | None = None,
) -> Iterator[FileEntry]:
    """Every regular, non-empty, non-hidden file under ``root``, by its real path.

    ``excluded`` holds absolute paths (anything with a path separator) or bare names; matching
    folders are not entered and matching files are not yielded. Raises ``OSError`` if ``root``
    itself cannot be read.
    """
    # The root keeps the path it was given (the catalog's rows are under it; roots are added resolved).
    top = os.path.abspath(os.fspath(root))
    with os.scandir(top):  # an unreadable root raises here instead of reaching on_error
        pass
    skip = _Skip(excluded)
    if skip.path(top) or is_pseudo_filesystem(top):
        return
    visited = {_dir_key(top, os.stat(top))}
    seen_files: set[tuple[int, int]] = set()  # a file linked twice (symbolic or hard) is found once
    stack = [top]
    while stack:
        folder = stack.pop()
        subfolders: list[str] = []
        for entry in _list_dir(folder, on_error):
            if skip(entry):
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                _report(on_error, entry.path, _stat_reason(entry, exc))
                continue
            if _WINDOWS and getattr(st, "st_file_attributes", 0) & _HIDDEN_ATTRIBUTES:
                continue
            path = entry.path
            linked = entry.is_symlink()
            if linked:
                path = os.path.realpath(path)
                if skip.path(path) or is_pseudo_filesystem(path):
                    continue
            if stat.S_ISDIR(st.st_mode):
                if not linked and is_pseudo_filesystem(path, resolve=False):  # walking "/" meets /proc
                    continue
                key = _dir_key(path, st)
                if key not in visited and not _inside_library(path):  # loops and repeated links walk once
                    visited.add(key)
                    subfolders.append(path)
            elif stat.S_ISREG(st.st_mode) and st.st_size > 0:  # no FIFOs, sockets or devices
                if st.st_ino:  # 0 from Windows' cached stat: no identity to compare, and no links to fear
                    key = (st.st_dev, st.st_ino)
                    if key in seen_files:
                        continue
                    seen_files.add(key)
                yield FileEntry(path, st.st_size, st.st_mtime_ns)
        stack.extend(reversed(subfolders))


def scan_images(
    root: Path,
    *,
    excluded: Sequence[str] = (),
    on_error: ErrorCallback | None = None,
) -> Iterator[FileEntry]:
    """``scan_root`` narrowed to files that may be images.

    A known image extension is kept without opening the file, even if the content turns out to be
    something else (decoding then fails with a reason the user can see). A known non-image
    extension is dropped. Anything else (no extension, ``.dat``, ``.jpg_original``) is kept only if
    its first bytes are the signature of a supported format.
    """
    for entry in scan_root(root, excluded=excluded, on_error=on_error):
        ext = os.path.splitext(entry.path)[1].lower()
        if ext in IMAGE_EXTENSIONS:
            yield entry
        elif ext in NON_IMAGE_EXTENSIONS:
            continue
        else:
            try:
                head = _read_head(entry.path)
            except OSError as exc:
                _report(on_error, entry.path, _reason(exc))
                continue
            if sniff_format(head) is not None:
                yield entry


def looks_like_image(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts with the signature of a supported image format."""
    try:
        return sniff_format(_read_head(path)) is not None
    except OSError:
        return False


def sniff_format(head: bytes) -> str | None:
    """The image format whose signature ``head`` (the first bytes of a file) starts with, or None.

    Returns one of JPEG, PNG, GIF, WEBP, BMP, TIFF, HEIF, AVIF.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:2] == b"BM" and len(head) >= 18 and head[14] in (12, 16, 40, 52, 56, 64, 108, 124):
        return "BMP"
    return _sniff_ftyp(head)


def _sniff_ftyp(head: bytes) -> str | None:
    """HEIF/AVIF: an ISO-BMFF ``ftyp`` box whose major or compatible brands name an image."""
    if head[4:8] != b"ftyp" or len(head) < 12:
        return None
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, box_end - 3, 4)]
    found = [b for b in brands if b in _HEIF_BRANDS]
    if not found:
        return None
    return "AVIF" if found[0] in (b"avif", b"avis") else "HEIF"


def _read_head(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read(SNIFF_BYTES)


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


class _Skip:
    """Entries the walk leaves out: hidden names, junk names and the user's exclusions.

    Names compare case-insensitively; paths (anything with a separator) must match exactly. A glob
    (``*``, ``?``, ``[...]``) without a separator matches names (``*.gif``), one with a separator
    matches whole paths (``*/Screenshots``).
    """

    def __init__(self, excluded: Sequence[str]) -> None:
        seps = tuple(s for s in (os.sep, os.altsep) if s)
        globs = [x for x in excluded if is_glob(x)]
        plain = [x for x in excluded if x and not is_glob(x)]
        paths = [x for x in plain if any(s in x for s in seps)]
        names = [x for x in plain if x not in paths]
        self.paths = {os.path.normcase(os.path.abspath(x)) for x in paths}
        self.names = JUNK_NAMES | {x.casefold() for x in names}
        self.path_globs = [os.path.normcase(x) for x in globs if any(s in x for s in seps)]
        self.name_globs = [x.casefold() for x in globs if not any(s in x for s in seps)]

    def __call__(self, entry: os.DirEntry[str]) -> bool:
        name = entry.name
        if name.startswith(".") or name.casefold() in self.names or self.path(entry.path):
            return True
        return bool(self.name_globs) and any(fnmatch.fnmatchcase(name.casefold(), g) for g in self.name_globs)

    def path(self, path: str) -> bool:
        if self.paths and os.path.normcase(path) in self.paths:
            return True
        return bool(self.path_globs) and any(fnmatch.fnmatchcase(os.path.normcase(path), g) for g in self.path_globs)


def _list_dir(folder: str, on_error: ErrorCallback | None) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError as exc:
        _report(on_error, folder, _reason(exc))
        return []
    entries.sort(key=_by_name)
    return entries


def _dir_key(path: str, st: os.stat_result) -> tuple[int, int]:
    if st.st_ino == 0:  # Windows: scandir's cached stat has no inode; ask for the full one
        st = os.stat(path)
    return st.st_dev, st.st_ino


def _stat_reason(entry: os.DirEntry[str], exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError) and entry.is_symlink():
        return "broken symbolic link"
    return _reason(exc)


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def _report(on_error: ErrorCallback | None, path: str, reason: str) -> None:
    if on_error is not None:
        on_error(path, reason)
