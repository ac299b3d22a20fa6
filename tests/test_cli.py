"""The `reframe` command end to end, as a script or a user would drive it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main

REPO = Path(__file__).resolve().parents[1]
MODEL = ["--model", "test-pixels"]


def run(tmp_path: Path, *args: str) -> int:
    return main([args[0], "--library", str(tmp_path / "lib"), *args[1:]])


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_index_status_search_end_to_end(tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "index", str(photos), *MODEL) == 0
    out = capsys.readouterr().out
    assert "indexed 12" in out and "img/s" in out

    assert run(tmp_path, "status", "--json", *MODEL) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["counts"]["indexed"] == 12 and st["roots"][0]["path"] == str(photos.resolve())
    assert st["vectors"] == 12 and st["last_scan"]

    probe = sorted(photos.rglob("*.png"))[0]
    assert run(tmp_path, "search", "--image", str(probe), "--k", "3", "--json", *MODEL) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["mode"] == "image"
    hits = found["results"]
    assert len(hits) == 3 and set(hits[0]) == {"path", "score", "taken", "date_source", "width", "height"}
    assert all(-1.0 <= h["score"] <= 1.0 for h in hits)
    assert str(probe) not in [h["path"] for h in hits]
    assert hits == sorted(hits, key=lambda h: -h["score"])

    # the remembered root is rescanned by a bare `reframe index`
    (photos / "trip" / "img01.png").unlink()
    assert run(tmp_path, "index", "--json", *MODEL) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["deleted"] == 1 and summary["skipped"] == 11


def test_composed_without_combiner_falls_back_to_sum_and_says_so(
    tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, "index", str(photos), *MODEL)
    capsys.readouterr()
    probe = sorted(photos.rglob("*.png"))[0]
    assert run(tmp_path, "search", "--image", str(probe), "--text", "make it red", "--all", *MODEL) == 0
    captured = capsys.readouterr()
    assert "sum baseline" in captured.err
    assert len(captured.out.strip().splitlines()) == 10


def test_many_queries_in_one_process(tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(tmp_path, "index", str(photos), *MODEL)
    capsys.readouterr()
    probe = str(sorted(photos.rglob("*.png"))[0])
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        "\n".join(
            [
                json.dumps({"image": probe, "k": 2, "all": True}),
                json.dumps({"text": "a red circle", "k": 4, "all": True}),
                json.dumps({"image": probe, "text": "make it blue", "compose": "sum", "all": True}),
                "this is not json",
            ]
        )
    )
    code = run(tmp_path, "search", "--queries", str(queries), *MODEL)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2, "a bad line is reported and makes the exit status non-zero"
    assert [len(x.get("results", [])) for x in lines] == [2, 4, 10, 0]
    assert [x.get("mode") for x in lines[:3]] == ["image", "text", "sum"]
    assert lines[3]["line"] == 4 and "error" in lines[3]


def test_bad_input_gets_a_message_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "index", str(tmp_path / "nowhere"), *MODEL) == 2
    assert "not a folder" in capsys.readouterr().err
    assert run(tmp_path, "search", "--not", "grass", *MODEL) == 2
    assert "--text" in capsys.readouterr().err
    assert run(tmp_path, "search", "--text", "x", "--model", "no-such-model") == 2
    err = capsys.readouterr().err
    assert "Unknown model" in err and "shapes-tiny" in err
    assert run(tmp_path, "index", *MODEL) == 2
    assert "no folders yet" in capsys.readouterr().err


def test_offline_hub_model_exits_2_with_instructions(tmp_path: Path, photos: Path) -> None:
    proc = run_process(
        "index",
        str(photos),
        "--library",
        str(tmp_path / "lib"),
        "--model",
        "ViT-B-32/laion2b_s34b_b79k",
        env={"REFRAME_OFFLINE": "1"},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "ViT-B-32" in proc.stderr and "--weights" in proc.stderr
    # the folder is still remembered, so the library shows it even without a model
    status = run_process(
        "status", "--json", "--library", str(tmp_path / "lib"), "--model", "ViT-B-32/laion2b_s34b_b79k"
    )
    assert status.returncode == 0
    st = json.loads(status.stdout)
    assert st["weights"] == "missing" and len(st["roots"]) == 1


def test_help_and_status_do_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from desktop.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"main(['status', '--library', {str(tmp_path / 'lib')!r}, '--model', 'shapes-tiny'])\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO))
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("NO-TORCH")


def test_corrupt_exif_is_kept_as_the_note_and_never_printed(tmp_path: Path, photos: Path) -> None:
    """Pillow's "Corrupt EXIF data" warnings went to the terminal in the middle of the progress lines;
    they belong to the file. A process of its own, so that pytest's capture of warnings hides nothing."""
    from desktop.catalog import Catalog
    from tests.ingest.hostile import jpeg_truncated_exif

    damaged = jpeg_truncated_exif(photos / "trip").resolve()
    lib = tmp_path / "lib"

    proc = run_process("index", str(photos), "--library", str(lib), *MODEL)

    assert proc.returncode == 0, proc.stderr
    assert "indexed 13" in proc.stdout
    assert "EXIF" not in proc.stderr and "Warning" not in proc.stderr
    with Catalog.open(lib / "catalog.sqlite3") as catalog:
        row = catalog.image_by_path(damaged)
        assert row is not None and row.state == "indexed"
        assert row.note is not None and "Corrupt EXIF data" in row.note
        clean = catalog.image_by_path(next(photos.resolve().rglob("img00.png")))
        assert clean is not None and clean.note is None
