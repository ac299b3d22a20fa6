"""scan_root / scan_images / root_available / looks_like_image."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from desktop.ingest import scan
from desktop.ingest.scan import (
    FileEntry,
    looks_like_image,
    root_available,
    scan_images,
    scan_root,
    sniff_format,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40

needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")


def _touch(path: Path, data: bytes = JPEG) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _relative(root: Path, entries: list[FileEntry]) -> list[str]:
    return [Path(e.path).relative_to(root).as_posix() for e in entries]


def _errors() -> tuple[list[tuple[str, str]], object]:
    found: list[tuple[str, str]] = []
    return found, lambda path, reason: found.append((path, reason))


def test_entries_describe_the_files(tmp_path: Path) -> None:
    photo = _touch(tmp_path / "a" / "photo.jpg")

    (entry,) = scan_root(tmp_path)

    st = photo.stat()
    assert entry == FileEntry(str(photo), st.st_size, st.st_mtime_ns)
    assert os.path.isabs(entry.path)


def test_skips_hidden_system_and_empty(tmp_path: Path) -> None:
    keep = ["a.jpg", "sub/b.png", "photo.jpg/inside.jpg", "Recycled things/c.jpg"]
    skip = [
        ".hidden/c.jpg", ".dot.jpg", "@eaDir/d.jpg", "#recycle/e.jpg", "$RECYCLE.BIN/f.jpg",
        "$Recycle.Bin/f2.jpg", "System Volume Information/g.jpg", "node_modules/h.jpg",
        "__MACOSX/i.jpg", "lost+found/j.jpg", ".git/k.jpg", ".svn/k.jpg", ".hg/k.jpg",
        ".Trash-1000/l.jpg", ".Trashes/l.jpg", ".thumbnails/m.jpg", "sub/Thumbs.db",
        "desktop.ini", ".DS_Store", "sub/@eaDir/n.jpg",
    ]  # fmt: skip
    for name in keep + skip:
        _touch(tmp_path / name)
    _touch(tmp_path / "empty.jpg", b"")

    found = _relative(tmp_path, list(scan_root(tmp_path)))

    assert sorted(found) == sorted(keep)


def test_order_is_stable(tmp_path: Path) -> None:
    for name in ["b/2.jpg", "a/1.jpg", "c.jpg", "a/0.jpg", "b/1.jpg"]:
        _touch(tmp_path / name)
    assert _relative(tmp_path, list(scan_root(tmp_path))) == ["c.jpg", "a/0.jpg", "a/1.jpg", "b/1.jpg", "b/2.jpg"]


def test_excluded_paths_and_names(tmp_path: Path) -> None:
    for name in ["keep/a.jpg", "private/b.jpg", "x/Raw/c.jpg", "y/raw/d.jpg", "z/skip-me.jpg", "z/e.jpg"]:
        _touch(tmp_path / name)
    excluded = [str(tmp_path / "private"), "raw", str(tmp_path / "z" / "skip-me.jpg")]

    found = _relative(tmp_path, list(scan_root(tmp_path, excluded=excluded)))

    assert sorted(found) == ["keep/a.jpg", "z/e.jpg"]


def test_excluded_root_yields_nothing(tmp_path: Path) -> None:
    _touch(tmp_path / "a.jpg")
    assert list(scan_root(tmp_path, excluded=[str(tmp_path)])) == []


@needs_symlinks
def test_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _touch(root / "x" / "a.jpg")
    _touch(root / "y" / "b.jpg")
    (root / "x" / "up").symlink_to(root)  # x/up -> root: a cycle through the top
    (root / "x" / "self").symlink_to(root / "x")  # x/self -> x
    (root / "y" / "to_x").symlink_to(root / "x")  # a second way into x
    (root / "y" / "mutual").symlink_to(root / "y" / "mutual2")
    (root / "y" / "mutual2").symlink_to(root / "y" / "mutual")

    errors, on_error = _errors()
    found = _relative(root, list(scan_root(root, on_error=on_error)))  # type: ignore[arg-type]

    assert sorted(found) == ["x/a.jpg", "y/b.jpg"]
    assert {Path(p).name for p, _ in errors} == {"mutual", "mutual2"}


@needs_symlinks
def test_links_are_followed_under_their_real_path_and_found_once(tmp_path: Path) -> None:
    _touch(tmp_path / "elsewhere" / "o.jpg")
    _touch(tmp_path / "root" / "a.jpg")
    root = tmp_path / "root"
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    (root / "file_link.jpg").symlink_to(tmp_path / "elsewhere" / "o.jpg")
    (root / "again.jpg").symlink_to(root / "a.jpg")
    os.link(root / "a.jpg", root / "hard.jpg")

    found = [e.path for e in scan_root(root)]

    assert found == [str(root / "a.jpg"), str(tmp_path / "elsewhere" / "o.jpg")]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="no /proc here")
def test_pseudo_filesystems_are_never_entered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    _touch(root / "a.jpg")
    (root / "proc").symlink_to("/proc")
    assert [e.path for e in scan_root(root)] == [str(root / "a.jpg")]
    assert list(scan_root(Path("/proc/self"))) == []
    # Walking "/" meets /proc as a plain folder, not a link: stand a folder of this tree in for it.
    _touch(root / "sys" / "b.jpg")
    monkeypatch.setattr(scan, "PSEUDO_FILESYSTEMS", (*scan.PSEUDO_FILESYSTEMS, str(root / "sys")))
    assert [e.path for e in scan_root(root)] == [str(root / "a.jpg")]


def test_a_library_folder_is_never_entered(tmp_path: Path) -> None:
    _touch(tmp_path / "photos" / "a.jpg")
    lib = tmp_path / "photos" / "lib"
    (lib / "catalog.sqlite3").parent.mkdir(parents=True)
    (lib / "catalog.sqlite3").write_bytes(b"x")
    _touch(lib / "thumbnails" / "1.jpg")
    _touch(lib / "demo-photos" / "kept.jpg")  # photos kept beside a catalog are still photos
    found = _relative(tmp_path / "photos", list(scan_images(tmp_path / "photos")))
    assert found == ["a.jpg", "lib/demo-photos/kept.jpg"]


@needs_symlinks
def test_root_given_as_symlink_keeps_its_path(tmp_path: Path) -> None:
    _touch(tmp_path / "real" / "a.jpg")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert [e.path for e in scan_root(tmp_path / "alias")] == [str(tmp_path / "alias" / "a.jpg")]


@needs_symlinks
def test_broken_symlink_is_reported_not_yielded(tmp_path: Path) -> None:
    _touch(tmp_path / "a.jpg")
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "missing.jpg")

    errors, on_error = _errors()
    found = _relative(tmp_path, list(scan_root(tmp_path, on_error=on_error)))  # type: ignore[arg-type]

    assert found == ["a.jpg"]
    assert errors == [(str(tmp_path / "gone.jpg"), "broken symbolic link")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_skipped_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jpg")
    _touch(tmp_path / "a.jpg")
    assert _relative(tmp_path, list(scan_images(tmp_path))) == ["a.jpg"]


def test_unreadable_folder_is_reported_and_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path / "locked" / "a.jpg")
    _touch(tmp_path / "open" / "b.jpg")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(scan.os, "scandir", scandir)
    errors, on_error = _errors()
    found = _relative(tmp_path, list(scan_root(tmp_path, on_error=on_error)))  # type: ignore[arg-type]

    assert found == ["open/b.jpg"]
    assert errors == [(str(tmp_path / "locked"), "permission denied")]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_really_unreadable_folder(tmp_path: Path) -> None:
    _touch(tmp_path / "locked" / "a.jpg")
    (tmp_path / "locked").chmod(0)
    try:
        errors, on_error = _errors()
        assert list(scan_root(tmp_path, on_error=on_error)) == []  # type: ignore[arg-type]
        assert [p for p, _ in errors] == [str(tmp_path / "locked")]
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_missing_root_raises_instead_of_looking_empty(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        list(scan_root(tmp_path / "unplugged"))
    _touch(tmp_path / "file.jpg")
    with pytest.raises(OSError):
        list(scan_root(tmp_path / "file.jpg"))


def test_root_available(tmp_path: Path) -> None:
    assert root_available(tmp_path)
    assert not root_available(tmp_path / "unplugged")
    assert not root_available(_touch(tmp_path / "file.jpg"))


def test_scan_images_filters_by_extension_then_content(tmp_path: Path) -> None:
    _touch(tmp_path / "IMG_1.JPG")
    _touch(tmp_path / "fake.jpg", b"not an image at all")  # kept: decoding will say why
    _touch(tmp_path / "no_extension", JPEG)
    _touch(tmp_path / "export.dat", PNG)
    _touch(tmp_path / "clip.mov", JPEG)  # a known non-image extension is not even opened
    _touch(tmp_path / "notes.txt", b"hello")
    _touch(tmp_path / "README", b"hello there, this is text")

    found = _relative(tmp_path, list(scan_images(tmp_path)))

    assert sorted(found) == ["IMG_1.JPG", "export.dat", "fake.jpg", "no_extension"]


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00" * 8


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (JPEG, "JPEG"),
        (PNG, "PNG"),
        (b"GIF87a" + b"\x00" * 10, "GIF"),
        (b"GIF89a" + b"\x00" * 10, "GIF"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"II*\x00\x08\x00\x00\x00", "TIFF"),
        (b"MM\x00*\x00\x00\x00\x08", "TIFF"),
        (b"BM" + b"\x00" * 12 + b"\x28" + b"\x00" * 15, "BMP"),
        (b"BMW is a car brand, not a bitmap", None),
        (_ftyp(b"heic", b"mif1", b"heic"), "HEIF"),
        (_ftyp(b"mif1", b"heic"), "HEIF"),
        (_ftyp(b"msf1", b"hevc"), "HEIF"),
        (_ftyp(b"avif", b"mif1", b"avif"), "AVIF"),
        (_ftyp(b"isom", b"iso2", b"mp41"), None),  # an MP4 video
        (_ftyp(b"qt  "), None),  # a QuickTime movie
        (b"", None),
        (b"<html>", None),
    ],
)
def test_sniff_format(head: bytes, expected: str | None) -> None:
    assert sniff_format(head[:32]) == expected


def test_looks_like_image(tmp_path: Path) -> None:
    assert looks_like_image(_touch(tmp_path / "x.bin", PNG))
    assert not looks_like_image(_touch(tmp_path / "y.jpg", b"text"))
    assert not looks_like_image(tmp_path / "missing")
    assert not looks_like_image(tmp_path)
