"""Export copies photos into a folder and never overwrites a file there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop.errors import UsageError
from desktop.export import copy_new, export_files


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_export_copies_the_files_byte_for_byte(tmp_path: Path) -> None:
    a = write(tmp_path / "lib" / "a.jpg", b"photo a")
    b = write(tmp_path / "lib" / "sub" / "b.png", b"photo b" * 1000)
    out = tmp_path / "out"
    out.mkdir()
    seen: list[tuple[int, int, str]] = []
    report = export_files([str(a), str(b)], out, progress=lambda d, t, n: seen.append((d, t, n)))
    assert (out / "a.jpg").read_bytes() == b"photo a"
    assert (out / "b.png").read_bytes() == b"photo b" * 1000
    assert [c.target for c in report.copied] == [str(out / "a.jpg"), str(out / "b.png")]
    assert not report.skipped and not report.renamed
    assert seen == [(0, 2, "a.jpg"), (1, 2, "b.png"), (2, 2, "")]
    assert report.summary() == "Exported 2 photos to out"


def test_a_name_clash_gets_a_new_name_and_the_file_there_is_unchanged(tmp_path: Path) -> None:
    src = write(tmp_path / "lib" / "beach.jpg", b"the new one")
    out = tmp_path / "out"
    write(out / "beach.jpg", b"already there")
    write(out / "beach (2).jpg", b"also there")
    report = export_files([str(src)], out)
    assert (out / "beach.jpg").read_bytes() == b"already there"
    assert (out / "beach (2).jpg").read_bytes() == b"also there"
    assert (out / "beach (3).jpg").read_bytes() == b"the new one"
    assert [Path(c.target).name for c in report.renamed] == ["beach (3).jpg"]
    assert "1 renamed" in report.summary()


def test_two_photos_of_the_same_name_both_arrive(tmp_path: Path) -> None:
    one = write(tmp_path / "2023" / "IMG_0001.JPG", b"one")
    two = write(tmp_path / "2024" / "IMG_0001.JPG", b"two")
    out = tmp_path / "out"
    out.mkdir()
    export_files([str(one), str(two)], out)
    assert (out / "IMG_0001.JPG").read_bytes() == b"one"
    assert (out / "IMG_0001 (2).JPG").read_bytes() == b"two"


def test_a_missing_photo_is_skipped_with_the_reason_and_the_rest_are_copied(tmp_path: Path) -> None:
    ok = write(tmp_path / "lib" / "ok.jpg", b"ok")
    out = tmp_path / "out"
    out.mkdir()
    report = export_files([str(tmp_path / "lib" / "gone.jpg"), str(ok)], out)
    assert [s.reason for s in report.skipped] == ["it is no longer there"]
    assert (out / "ok.jpg").read_bytes() == b"ok"
    assert not (out / "gone.jpg").exists()
    assert report.summary().endswith("1 skipped")


def test_cancel_stops_between_photos(tmp_path: Path) -> None:
    paths = [str(write(tmp_path / "lib" / f"{i}.jpg", b"x")) for i in range(5)]
    out = tmp_path / "out"
    out.mkdir()
    cancel = threading.Event()

    def progress(done: int, total: int, name: str) -> None:
        if done == 2:
            cancel.set()

    report = export_files(paths, out, progress=progress, cancel=cancel)
    assert len(report.copied) == 3 and report.cancelled and report.left == 2
    assert sorted(p.name for p in out.iterdir()) == ["0.jpg", "1.jpg", "2.jpg"]


def test_a_folder_that_is_not_there_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        export_files([], tmp_path / "nowhere")


def test_a_failed_copy_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write(tmp_path / "lib" / "big.jpg", b"y" * 10)
    out = tmp_path / "out"
    out.mkdir()

    def broken(reader: object, writer: object, size: int = 0) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("desktop.export.shutil.copyfileobj", broken)
    with pytest.raises(OSError):
        copy_new(src, out)
    assert list(out.iterdir()) == []
