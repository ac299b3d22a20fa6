from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from desktop.errors import ModelUnavailable, UsageError
from desktop.models import loader
from desktop.models.clip_encoder import OpenClipEncoder
from desktop.models.download import hash_path
from desktop.models.encoder import Encoder
from desktop.models.loader import load_encoder, weights_path, weights_status
from desktop.models.registry import ModelSpec, get_spec
from desktop.models.tokenizer import ClipTokenizer
from desktop.paths import LibraryPaths

from .conftest import TINY_CFG, FileServer

DIM = TINY_CFG["embed_dim"]
TEXTS = ["a small red circle on the left", "make it blue", ""]


def _images(n: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 3, 32, 32)).astype(np.float32)


def _reference(model: Any, images: np.ndarray, texts: list[str], *, half: bool = False) -> tuple:
    """What open_clip itself computes, optionally with float16-rounded weights."""
    if half:
        model = copy.deepcopy(model)
        model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    tokens = torch.from_numpy(ClipTokenizer(16)(texts))
    with torch.no_grad():
        return model.encode_image(torch.from_numpy(images)).numpy(), model.encode_text(tokens).numpy()


@pytest.fixture(autouse=True)
def torch_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about loading checkpoints into open_clip: the torch backend (ONNX: test_onnx_backend)."""
    monkeypatch.setenv("REFRAME_BACKEND", "torch")


@pytest.fixture
def bundled(register, tiny_bundle: Path) -> ModelSpec:
    return register(
        ModelSpec("tiny-bundled", "tiny", "bundled", 0, 0, "test", source="bundled", bundled_dir=tiny_bundle)
    )


@pytest.fixture
def hub(register, tiny_arch: str, file_server: FileServer) -> ModelSpec:
    url = file_server.url("/org/repo/resolve/main/open_clip_pytorch_model.bin")
    return register(
        ModelSpec(
            "tiny-hub/test",
            tiny_arch,
            "test",
            DIM,
            32,
            "test",
            url=url,
            size_bytes=14_000_000,
            mean=(0.5, 0.5, 0.5),
            std=(0.25, 0.25, 0.25),
        )
    )


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory: pytest.TempPathFactory, tiny_model: Any) -> dict[str, Path]:
    """The tiny model's weights as a torch pickle and as safetensors."""
    from safetensors.torch import save_file

    folder = tmp_path_factory.mktemp("weights")
    state = {k: v.detach().clone().contiguous() for k, v in tiny_model.state_dict().items()}
    torch.save(state, folder / "open_clip_pytorch_model.bin")
    save_file(state, str(folder / "weights.safetensors"))
    return {"bin": folder / "open_clip_pytorch_model.bin", "safetensors": folder / "weights.safetensors"}


def test_bundled_model_loads_and_encodes(bundled: ModelSpec, paths: LibraryPaths, tiny_model: Any) -> None:
    enc = load_encoder("tiny-bundled", paths, device="cpu")
    assert isinstance(enc, Encoder) and isinstance(enc, OpenClipEncoder)
    assert (enc.name, enc.dim, enc.device) == ("tiny-bundled", DIM, "cpu")
    assert (enc.preprocess.size, enc.preprocess.mean, enc.preprocess.std) == (32, (0.5,) * 3, (0.25,) * 3)
    assert next(enc.model.parameters()).dtype == torch.float32  # float16 file, float32 model on CPU
    images = _images()
    feats, texts = enc.encode_images(images), enc.encode_texts(TEXTS)
    assert feats.shape == (3, DIM) and feats.dtype == np.float32
    assert texts.shape == (3, DIM) and texts.dtype == np.float32
    ref_images, ref_texts = _reference(tiny_model, images, TEXTS, half=True)
    np.testing.assert_allclose(feats, ref_images, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(texts, ref_texts, rtol=1e-4, atol=1e-5)
    assert enc.encode_texts([]).shape == (0, DIM)
    assert enc.tokenize(["a b"]).shape == (1, 16)


def test_encoding_is_deterministic_and_batched(bundled: ModelSpec, paths: LibraryPaths) -> None:
    enc = load_encoder("tiny-bundled", paths, device="cpu")
    images = _images(5)
    first = enc.encode_images(images)
    np.testing.assert_array_equal(first, enc.encode_images(images))
    enc.batch_size = 2  # chunks of 2, 2, 1 give the same answer
    np.testing.assert_allclose(enc.encode_images(images), first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(enc.encode_texts(TEXTS * 2)[:3], enc.encode_texts(TEXTS), rtol=1e-5, atol=1e-6)


def test_loaded_once_and_cached(bundled: ModelSpec, paths: LibraryPaths) -> None:
    first = load_encoder("tiny-bundled", paths, device="cpu")
    assert load_encoder("tiny-bundled", paths, device="cpu") is first
    loader.clear_cache()
    assert load_encoder("tiny-bundled", paths, device="cpu") is not first


def test_wrong_image_shape_is_refused(bundled: ModelSpec, paths: LibraryPaths) -> None:
    enc = load_encoder("tiny-bundled", paths, device="cpu")
    with pytest.raises(ValueError, match=r"\(n, 3, 32, 32\)"):
        enc.encode_images(np.zeros((1, 3, 64, 64), np.float32))


def test_bundled_status_and_missing_bundle(register, tmp_path: Path, paths: LibraryPaths, bundled) -> None:
    assert weights_status("tiny-bundled", paths) == "bundled"
    register(ModelSpec("gone", "x", "bundled", 8, 8, "t", source="bundled", bundled_dir=tmp_path / "none"))
    assert weights_status("gone", paths) == "missing"
    with pytest.raises(ModelUnavailable, match="bundled model gone is missing") as err:
        load_encoder("gone", paths, device="cpu")
    assert err.value.exit_code == 2


def test_hub_model_from_local_weights(
    hub: ModelSpec, paths: LibraryPaths, tiny_files: dict[str, Path], tiny_model: Any, file_server: FileServer
) -> None:
    images = _images()
    ref_images, ref_texts = _reference(tiny_model, images, TEXTS)
    for kind in ("bin", "safetensors"):
        enc = load_encoder(hub.name, paths, weights=tiny_files[kind], device="cpu")
        assert enc.dim == DIM and enc.preprocess.mean == (0.5,) * 3
        np.testing.assert_allclose(enc.encode_images(images), ref_images, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(enc.encode_texts(TEXTS), ref_texts, rtol=1e-4, atol=1e-5)
    assert file_server.requests == []  # a local file needs no network
    assert weights_status(hub.name, paths) == "missing"  # nothing was copied into the library


def test_hub_model_offline_without_weights(
    hub: ModelSpec, paths: LibraryPaths, monkeypatch: pytest.MonkeyPatch, file_server: FileServer
) -> None:
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    with pytest.raises(ModelUnavailable) as err:
        load_encoder(hub.name, paths, device="cpu")
    text = str(err.value)
    assert err.value.exit_code == 2
    assert hub.name in text and str(weights_path(hub, paths)) in text and "--weights" in text
    assert "Traceback" not in text and file_server.requests == []


def test_hub_model_downloads_into_the_library(
    hub: ModelSpec, paths: LibraryPaths, tiny_files: dict[str, Path], tiny_model: Any, file_server: FileServer
) -> None:
    file_server.payload = tiny_files["bin"].read_bytes()
    seen: list[tuple[int, int | None]] = []
    enc = load_encoder(hub.name, paths, device="cpu", progress=lambda d, t: seen.append((d, t)))
    dest = weights_path(hub, paths)
    assert dest == paths.models / "tiny-hub_test" / "open_clip_pytorch_model.bin"
    assert dest.read_bytes() == file_server.payload and hash_path(dest).is_file()
    assert seen[-1] == (len(file_server.payload),) * 2
    assert weights_status(hub.name, paths) == "downloaded"
    images = _images()
    np.testing.assert_allclose(enc.encode_images(images), _reference(tiny_model, images, TEXTS)[0], atol=1e-5)
    loader.clear_cache()
    load_encoder(hub.name, paths, device="cpu")
    assert len(file_server.requests) == 1  # the second load uses the downloaded file


def test_wrong_weights_are_refused_with_a_message(
    hub: ModelSpec, paths: LibraryPaths, tmp_path: Path, tiny_model: Any
) -> None:
    other = {k: v for k, v in tiny_model.state_dict().items() if k != "text_projection"}
    torch.save(other, tmp_path / "incomplete.bin")
    (tmp_path / "junk.bin").write_bytes(b"this is not a checkpoint at all")
    torch.save({"x": torch.zeros(3)}, tmp_path / "unrelated.pt")
    for name in ("incomplete.bin", "junk.bin", "unrelated.pt"):
        with pytest.raises(ModelUnavailable, match="cannot be loaded as the weights of tiny-hub/test") as err:
            load_encoder(hub.name, paths, weights=tmp_path / name, device="cpu")
        assert err.value.exit_code == 2 and "open_clip checkpoint" in str(err.value)
        # Why, in our words: PyTorch's own text (missing keys, the unpickler) stays in the log.
        said = {"junk.bin": "it is not a model checkpoint"}.get(name, "its layers do not match this model")
        assert said in err.value.message, err.value.message
        assert "state_dict" not in err.value.message and "Unpickl" not in err.value.message
    with pytest.raises(UsageError, match="no such file"):
        load_encoder(hub.name, paths, weights=tmp_path / "absent.bin", device="cpu")


def test_damaged_download_says_to_delete_it(hub: ModelSpec, paths: LibraryPaths) -> None:
    dest = weights_path(hub, paths)
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"\0" * 100)
    with pytest.raises(ModelUnavailable, match="delete") as err:
        load_encoder(hub.name, paths, device="cpu")
    assert str(dest) in str(err.value)


def test_pickles_that_run_code_are_refused(hub: ModelSpec, paths: LibraryPaths, tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> tuple:
            return (print, ("pwned",))

    torch.save({"state_dict": Evil()}, tmp_path / "evil.bin")
    with pytest.raises(ModelUnavailable):
        load_encoder(hub.name, paths, weights=tmp_path / "evil.bin", device="cpu")


def test_test_pixels_is_loadable_by_name(paths: LibraryPaths) -> None:
    enc = load_encoder("test-pixels", paths)
    assert enc.device == "n/a" and enc.dim == get_spec("test-pixels").dim
