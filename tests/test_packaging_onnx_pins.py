"""packaging/build.py's ONNX release assets: the names it gives an exported pair are the ones the app
downloads, and the pins it writes are what the downloader checks."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from desktop.models.registry import get_spec, onnx_asset_url

REPO = Path(__file__).resolve().parent.parent
MODEL = "ViT-B-32/laion2b_s34b_b79k"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("reframe_build", REPO / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _export(build, pair: Path, precision: str, out: Path) -> None:
    build.main(["onnx-assets", "--model", MODEL, "--precision", precision, "--pair", str(pair), "--out", str(out)])


def _fake_pair(folder: Path, precision: str) -> None:
    folder.mkdir(parents=True)
    (folder / "image.onnx").write_bytes(b"image tower " + precision.encode())
    (folder / "text.onnx").write_bytes(b"text tower " + precision.encode())
    (folder / "card.json").write_text(json.dumps({"precision": precision}), encoding="utf-8")


def test_assets_get_the_names_the_app_downloads_and_their_pins(build, tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    for precision in ("fp32", "int8"):
        _fake_pair(tmp_path / precision, precision)
        _export(build, tmp_path / precision, precision, assets)
    spec = get_spec(MODEL)
    for file in ("image.onnx", "text.onnx", "card.json"):
        url = onnx_asset_url(spec, "fp32", file)
        assert url is not None and (assets / url.rsplit("/", 1)[-1]).is_file()

    pins_file = tmp_path / "onnx-pins.json"
    build.main(["onnx-pins", str(assets), "--require", "2", "--write", str(pins_file)])
    pins = json.loads(pins_file.read_text(encoding="utf-8"))
    want = hashlib.sha256((tmp_path / "int8" / "text.onnx").read_bytes()).hexdigest()
    assert pins[f"{MODEL}/int8"]["text.onnx"] == want
    assert set(pins[f"{MODEL}/fp32"]) == {"image.onnx", "text.onnx", "card.json"}


def test_a_pair_with_a_file_missing_is_refused(build, tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    _fake_pair(tmp_path / "fp32", "fp32")
    _export(build, tmp_path / "fp32", "fp32", assets)
    next(assets.glob("*-text.onnx")).unlink()
    with pytest.raises(SystemExit, match=r"text\.onnx missing"):
        build.main(["onnx-pins", str(assets), "--write", str(tmp_path / "pins.json")])


def test_a_pair_of_the_wrong_precision_is_refused(build, tmp_path: Path) -> None:
    _fake_pair(tmp_path / "fp32", "fp32")
    with pytest.raises(SystemExit, match="not int8"):
        _export(build, tmp_path / "fp32", "int8", tmp_path / "assets")
