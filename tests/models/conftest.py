"""Fixtures for the model tests: a local HTTP file server and a tiny random open_clip CLIP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from desktop.models import loader, registry
from desktop.paths import LibraryPaths

# A CLIP small enough to build in well under a second: 32 px images, 2+2 layers of width 64.
TINY_CFG: dict[str, Any] = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "patch_size": 8, "width": 64, "layers": 2, "head_width": 32},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
TINY_PREPROCESS = {"size": 32, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}


@dataclass
class FileServer:
    """What the handler serves (at any path but ``/redirect`` and ``/status/<code>``) and what it saw.
    ``honour_range=False`` mimics servers without resume;
    ``cut_after`` closes the connection after that many body bytes (a dropped download)."""

    payload: bytes = b""
    honour_range: bool = True
    cut_after: int | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    base: str = ""
    files: dict[str, bytes] = field(default_factory=dict)  # per-path payloads; other paths get ``payload``

    def url(self, path: str = "/file") -> str:
        return self.base + path


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        state: FileServer = self.server.state
        state.requests.append((self.path, self.headers.get("Range")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/file")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/status/"):
            self.send_error(int(self.path.rsplit("/", 1)[1]))
            return
        data, start = state.files.get(self.path, state.payload), 0
        wanted = self.headers.get("Range")
        if wanted and state.honour_range:
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if state.cut_after is not None:
            self.wfile.write(body[: state.cut_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state = FileServer(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def paths(tmp_path: Path) -> LibraryPaths:
    return LibraryPaths(tmp_path / "library").ensure()


@pytest.fixture(autouse=True)
def _online_and_clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("REFRAME_OFFLINE", raising=False)
    monkeypatch.delenv("REFRAME_DEVICE", raising=False)
    monkeypatch.delenv("REFRAME_BACKEND", raising=False)
    loader.clear_cache()
    yield
    loader.clear_cache()


@pytest.fixture(scope="session")
def tiny_model() -> Any:
    """A random tiny ``open_clip.model.CLIP`` (fixed seed), in eval mode."""
    import open_clip
    import torch

    torch.manual_seed(0)
    return open_clip.model.CLIP(**TINY_CFG).eval()


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_model: Any) -> Path:
    """The tiny model in the bundled format: open_clip_config.json + float16 model.safetensors."""
    from safetensors.torch import save_file

    folder = tmp_path_factory.mktemp("bundle") / "tiny"
    folder.mkdir()
    config = {"model_cfg": TINY_CFG, "preprocess": TINY_PREPROCESS, "tokenizer": {"context_length": 16}}
    (folder / registry.BUNDLED_CONFIG).write_text(json.dumps(config), encoding="utf-8")
    state = {k: v.detach().half().contiguous() for k, v in tiny_model.state_dict().items()}
    save_file(state, str(folder / registry.BUNDLED_WEIGHTS))
    return folder


@pytest.fixture(scope="session")
def tiny_arch(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tiny config registered with open_clip as an architecture name, as hub models use."""
    import open_clip

    name = "reframe-test-tiny"
    path = tmp_path_factory.mktemp("arch") / f"{name}.json"
    path.write_text(json.dumps(TINY_CFG), encoding="utf-8")
    open_clip.add_model_config(path)
    return name


@pytest.fixture
def register() -> Iterator[Any]:
    """Register specs for one test; they are removed afterwards."""
    added: list[str] = []

    def add(spec: registry.ModelSpec) -> registry.ModelSpec:
        added.append(spec.name)
        return registry.register(spec, replace_existing=True)

    yield add
    for name in added:
        registry.unregister(name)
