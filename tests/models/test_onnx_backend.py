"""The ONNX Runtime backend: the same features as torch, files that come from the right places, and an
install without torch that searches, indexes and says clearly what it cannot do."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktop.errors import ModelUnavailable, UsageError
from desktop.models import loader, onnx_files
from desktop.models.clip_encoder import OpenClipEncoder
from desktop.models.loader import export_to_library, load_encoder, weights_status
from desktop.models.onnx_encoder import OnnxEncoder
from desktop.models.registry import ModelSpec
from desktop.paths import LibraryPaths
from tests.conftest import needs_shapes_tiny

from .conftest import TINY_CFG, FileServer

REPO = Path(__file__).resolve().parents[2]
DIM = TINY_CFG["embed_dim"]
TEXTS = [
    "a red circle",
    "a large blue square in the center on a white background",
    "make it green",
    "",
    "a dog on a beach at night with the moon above the sea " * 3,  # longer than the tiny context
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


@pytest.fixture
def hub(register, tiny_arch: str, file_server: FileServer) -> ModelSpec:
    return register(
        ModelSpec(
            "tiny-hub/onnx",
            tiny_arch,
            "test",
            DIM,
            32,
            "test",
            url=file_server.url("/org/repo/resolve/main/open_clip_pytorch_model.bin"),
            mean=(0.5, 0.5, 0.5),
            std=(0.25, 0.25, 0.25),
        )
    )


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_model: Any) -> Path:
    import torch

    path = tmp_path_factory.mktemp("ckpt") / "open_clip_pytorch_model.bin"
    torch.save({k: v.detach().clone() for k, v in tiny_model.state_dict().items()}, path)
    return path


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, tiny_arch: str, checkpoint: Path) -> onnx_files.OnnxPair:
    """One fp32 export of the tiny hub model, made once: tests copy it where they need a pair."""
    spec = ModelSpec("tiny-hub/onnx", tiny_arch, "test", DIM, 32, "test", mean=(0.5,) * 3, std=(0.25,) * 3)
    paths = LibraryPaths(tmp_path_factory.mktemp("release-lib")).ensure()
    return export_to_library(spec, paths, checkpoint, "fp32", dest=tmp_path_factory.mktemp("release") / "pair")


def _install(pair: onnx_files.OnnxPair, folder: Path) -> None:
    import shutil

    shutil.copytree(pair.folder, folder)


def _pixels(n: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 3, size, size)).astype(np.float32)


@needs_shapes_tiny
def test_shapes_tiny_onnx_features_equal_torch(tmp_path: Path) -> None:
    """The bundled pair gives torch's features (cosine >= 0.9999) on rendered scenes and on captions."""
    from desktop.shapes.render import Style, render
    from desktop.shapes.world import random_scene

    paths = LibraryPaths(tmp_path / "lib").ensure()
    onnx = load_encoder("shapes-tiny", paths, backend="onnx")
    torch_enc = load_encoder("shapes-tiny", paths, backend="torch", device="cpu")
    assert isinstance(onnx, OnnxEncoder) and isinstance(torch_enc, OpenClipEncoder)
    assert (onnx.backend, onnx.precision, onnx.dim) == ("onnx", "fp32", torch_enc.dim)
    rng = random.Random(7)
    images = [render(random_scene(rng), rng, Style(canvas=rng.choice([96, 128, 160]))) for _ in range(37)]
    pixels = np.stack([onnx.preprocess(img) for img in images])
    assert np.array_equal(pixels, np.stack([torch_enc.preprocess(img) for img in images]))
    assert cosines(onnx.encode_images(pixels), torch_enc.encode_images(pixels)).min() >= 0.9999
    captions = [*TEXTS, "two shapes on beige", "a yellow star on a gray background", "a triangle"]
    assert cosines(onnx.encode_texts(captions), torch_enc.encode_texts(captions)).min() >= 0.9999
    # one caption alone (its own trimmed length) gives the same vector as inside a batch
    alone = np.concatenate([onnx.encode_texts([c]) for c in captions])
    np.testing.assert_allclose(alone, onnx.encode_texts(captions), rtol=1e-4, atol=1e-5)


def test_export_from_a_checkpoint_writes_a_checked_pair(
    hub: ModelSpec, paths: LibraryPaths, checkpoint: Path, tiny_model: Any, file_server: FileServer
) -> None:
    enc = load_encoder(hub.name, paths, weights=checkpoint, backend="onnx")
    assert isinstance(enc, OnnxEncoder)
    folder = onnx_files.library_folder(hub, paths, "fp32")
    assert enc.pair.folder == folder and file_server.requests == []
    card = json.loads((folder / "card.json").read_text())
    assert card["backbone"] == hub.name and card["precision"] == "fp32" and card["opset"] >= 17
    for name in ("image.onnx", "text.onnx"):
        assert card["files"][name]["sha256"] == onnx_files.sha256_of(folder / name)
    assert min(card["check_vs_torch"].values()) >= 0.9999
    want = load_encoder(hub.name, paths, weights=checkpoint, backend="torch", device="cpu")
    pixels = _pixels(5, 32)
    assert cosines(enc.encode_images(pixels), want.encode_images(pixels)).min() >= 0.9999
    assert cosines(enc.encode_texts(TEXTS), want.encode_texts(TEXTS)).min() >= 0.9999
    assert weights_status(hub.name, paths) == "downloaded"


def test_an_existing_pair_is_used_without_torch_or_network(
    hub: ModelSpec,
    paths: LibraryPaths,
    release: onnx_files.OnnxPair,
    monkeypatch: pytest.MonkeyPatch,
    file_server: FileServer,
) -> None:
    _install(release, onnx_files.library_folder(hub, paths, "fp32"))
    monkeypatch.setattr(loader, "torch_installed", lambda: False)
    monkeypatch.setattr(loader, "_load_torch", _no_torch)
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    enc = load_encoder(hub.name, paths)  # auto on a CPU: ONNX Runtime
    assert isinstance(enc, OnnxEncoder) and enc.encode_texts(["a b"]).shape == (1, DIM)
    assert file_server.requests == []


def _no_torch(*_: object, **__: object) -> None:
    raise AssertionError("torch was used")


def test_without_torch_the_release_pair_is_downloaded_and_checked(
    hub: ModelSpec,
    paths: LibraryPaths,
    release: onnx_files.OnnxPair,
    monkeypatch: pytest.MonkeyPatch,
    file_server: FileServer,
) -> None:
    made = release
    base = "/assets"
    for name in ("image.onnx", "text.onnx", "card.json"):
        file_server.files[f"{base}/tiny-hub_onnx-fp32-{name}"] = (made.folder / name).read_bytes()
    monkeypatch.setenv("REFRAME_MODEL_ASSETS", file_server.url(base))
    monkeypatch.setattr(loader, "torch_installed", lambda: False)
    monkeypatch.setattr(loader, "_load_torch", _no_torch)
    seen: list[tuple[int, int | None]] = []
    enc = load_encoder(hub.name, paths, progress=lambda d, t: seen.append((d, t)))
    assert isinstance(enc, OnnxEncoder) and seen
    assert {p for p, _ in file_server.requests} == {f"{base}/tiny-hub_onnx-fp32-{n}" for n in made.card["files"]} | {
        f"{base}/tiny-hub_onnx-fp32-card.json"
    }
    assert enc.pair.folder == onnx_files.library_folder(hub, paths, "fp32")

    # a pinned hash that does not match is refused, and the bad file is not kept
    loader.clear_cache()
    import shutil

    shutil.rmtree(enc.pair.folder)
    pins = {f"{hub.name}/fp32": {"image.onnx": "0" * 64}}
    monkeypatch.setattr(loader, "onnx_pins", lambda: pins)
    with pytest.raises(ModelUnavailable, match="checksum mismatch") as err:
        load_encoder(hub.name, paths)
    assert err.value.exit_code == 2
    assert not (onnx_files.library_folder(hub, paths, "fp32") / "image.onnx").exists()


def test_without_torch_and_offline_the_message_says_what_to_do(
    hub: ModelSpec, paths: LibraryPaths, checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "torch_installed", lambda: False)
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    with pytest.raises(ModelUnavailable) as err:
        load_encoder(hub.name, paths)
    assert err.value.exit_code == 2 and "--weights" in str(err.value) and "Traceback" not in str(err.value)
    with pytest.raises(ModelUnavailable, match=r"reframe\[torch\]"):
        load_encoder(hub.name, paths, weights=checkpoint)


def test_a_truncated_pair_is_refused_with_a_message(hub: ModelSpec, paths: LibraryPaths, checkpoint: Path) -> None:
    pair = export_to_library(hub, paths, checkpoint, "fp32")
    data = pair.text.read_bytes()
    pair.text.write_bytes(data[: len(data) // 2])
    loader.clear_cache()
    with pytest.raises(ModelUnavailable, match="Delete") as err:
        load_encoder(hub.name, paths, backend="onnx")
    assert "text.onnx" in str(err.value)


def test_int8_is_an_option_with_its_fidelity_on_the_card(hub: ModelSpec, paths: LibraryPaths, checkpoint: Path) -> None:
    enc = load_encoder(hub.name, paths, weights=checkpoint, backend="onnx", precision="int8")
    assert isinstance(enc, OnnxEncoder) and enc.precision == "int8"
    card = enc.pair.card
    assert card["precision"] == "int8" and 0.98 <= card["check_vs_torch"]["image_cosine_min"] <= 1.0
    fp32 = onnx_files.library_folder(hub, paths, "fp32")
    assert not fp32.exists()  # int8 was asked for, only int8 is kept


def test_bad_choices_are_refused(hub: ModelSpec, paths: LibraryPaths) -> None:
    with pytest.raises(UsageError, match="Unknown backend"):
        load_encoder(hub.name, paths, backend="tensorflow")
    with pytest.raises(UsageError, match="int8 runs on ONNX Runtime"):
        load_encoder(hub.name, paths, backend="torch", precision="int8")
    with pytest.raises(UsageError, match="--device cuda runs on the torch backend"):
        load_encoder(hub.name, paths, backend="onnx", device="cuda")


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    full_env.pop("REFRAME_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=full_env, cwd=REPO, timeout=300
    )


BLOCK_TORCH = "import sys\nfor m in ('torch', 'open_clip', 'torchvision'):\n    sys.modules[m] = None\n"
CLI = "from desktop.cli import main\nrc = main(sys.argv[1:])\n"


@needs_shapes_tiny
def test_the_image_session_made_ahead_while_texts_are_encoded_gives_the_same_features(tmp_path: Path) -> None:
    """Indexing makes the image session on a thread of its own (warm_images) while decoding starts; a text
    encoded meanwhile does not wait for it, and the features are those of a session made on first use."""
    from desktop.shapes.render import Style, render
    from desktop.shapes.world import random_scene

    paths = LibraryPaths(tmp_path / "lib").ensure()
    warmed = load_encoder("shapes-tiny", paths, backend="onnx")
    cold = load_encoder("shapes-tiny", paths, backend="onnx")
    assert isinstance(warmed, OnnxEncoder) and isinstance(cold, OnnxEncoder)
    warmed.warm_images()
    warmed.warm_images()  # twice: still one session
    texts = warmed.encode_texts(["a red circle"])
    rng = random.Random(3)
    pixels = np.stack([warmed.preprocess(render(random_scene(rng), rng, Style(canvas=128))) for _ in range(5)])
    np.testing.assert_array_equal(warmed.encode_images(pixels), cold.encode_images(pixels))
    np.testing.assert_array_equal(texts, cold.encode_texts(["a red circle"]))


@needs_shapes_tiny
def test_text_search_on_onnx_never_imports_torch(tmp_path: Path) -> None:
    from desktop.shapes.world import Obj, Scene
    from tests.conftest import write_scene

    photos = tmp_path / "photos"
    write_scene(photos / "red.png", Scene("white", (Obj("circle", "red", "large", "center"),)), seed=1)
    write_scene(photos / "blue.png", Scene("black", (Obj("square", "blue", "small", "left"),)), seed=2)
    lib = str(tmp_path / "lib")
    code = (
        "import sys\n" + CLI + "assert rc == 0, rc\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'open_clip', 'torchvision'))\n"
        "print('IMPORTED', bad)\n"
    )
    index = _run(code, "index", str(photos), "--library", lib, "--model", "shapes-tiny")
    assert index.returncode == 0, index.stderr
    assert "IMPORTED []" in index.stdout
    search = _run(code, "search", "--text", "a red circle", "--library", lib, "--model", "shapes-tiny", "--json")
    assert search.returncode == 0, search.stderr
    assert "IMPORTED []" in search.stdout
    first = json.loads(search.stdout.splitlines()[0])
    assert Path(first["results"][0]["path"]).name == "red.png"


@needs_shapes_tiny
def test_an_install_without_torch_runs_the_demo_and_says_what_needs_torch(tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    demo = _run(BLOCK_TORCH + CLI + "sys.exit(rc)\n", "demo", "--library", lib)
    assert demo.returncode == 0, demo.stderr
    assert "[combiner]" in demo.stdout and "a large red square" in demo.stdout
    status = _run(BLOCK_TORCH + CLI + "sys.exit(rc)\n", "status", "--library", lib)
    assert "ONNX Runtime, fp32" in status.stdout
    for argv in (
        ["train", "--library", lib],
        ["train-combiner", "--library", lib, "--model", "shapes-tiny"],
        ["export-onnx", "--library", lib, "--model", "shapes-tiny"],
        ["search", "--text", "a star", "--library", lib, "--backend", "torch"],
    ):
        got = _run(BLOCK_TORCH + CLI + "sys.exit(rc)\n", *argv)
        assert got.returncode == 2, (argv, got.stderr)
        assert "reframe[torch]" in got.stderr and "Traceback" not in got.stderr, argv


@needs_shapes_tiny
def test_a_text_longer_than_the_model_reads_is_said_to_be_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main
    from desktop.shapes.world import Obj, Scene
    from tests.conftest import write_scene

    photos = tmp_path / "photos"
    write_scene(photos / "a.png", Scene("white", (Obj("circle", "red", "large", "center"),)), seed=3)
    lib = ["--library", str(tmp_path / "lib"), "--model", "shapes-tiny"]
    assert main(["index", str(photos), *lib]) == 0
    capsys.readouterr()
    long = "a red circle " + "on a white background " * 10  # shapes-tiny reads 24 tokens
    assert main(["search", "--text", long, "--json", *lib]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["truncated"] is True
    assert "first 24 tokens" in out.err
    assert main(["search", "--text", "a red circle", "--json", *lib]) == 0
    out = capsys.readouterr()
    assert "truncated" not in json.loads(out.out) and "tokens" not in out.err
