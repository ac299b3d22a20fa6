from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import pytest

from desktop.errors import ModelUnavailable
from desktop.models import download
from desktop.models.download import fetch, hash_path, part_path

from .conftest import FileServer

PAYLOAD = os.urandom(3 * download.CHUNK + 12345)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def served(file_server: FileServer) -> FileServer:
    file_server.payload = PAYLOAD
    return file_server


def _calls() -> tuple[list[tuple[int, int | None]], download.Progress]:
    seen: list[tuple[int, int | None]] = []
    return seen, lambda done, total: seen.append((done, total))


def test_full_download_verifies_and_reports_progress(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "m" / "weights.bin"
    seen, progress = _calls()
    assert fetch(served.url(), dest, sha256=SHA, expected_size=len(PAYLOAD), progress=progress) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not part_path(dest).exists()
    assert hash_path(dest).read_text().split()[0] == SHA
    assert seen[0] == (0, len(PAYLOAD)) and seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_unknown_hash_is_recorded(served: FileServer, tmp_path: Path) -> None:
    dest = fetch(served.url(), tmp_path / "w.bin", sha256=None)
    assert hash_path(dest).read_text().split()[0] == SHA


def test_existing_file_is_not_fetched_again(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    dest.write_bytes(PAYLOAD)
    fetch(served.url(), dest, sha256=SHA)
    assert served.requests == []


def test_bad_checksum_leaves_no_file(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    with pytest.raises(ModelUnavailable, match="checksum mismatch") as err:
        fetch(served.url(), dest, sha256="0" * 64, model="ViT-Test/x")
    assert not dest.exists() and not part_path(dest).exists()
    assert err.value.exit_code == 2
    assert "ViT-Test/x" in str(err.value) and "--weights" in str(err.value) and str(dest) in str(err.value)


def test_wrong_size_is_refused(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    with pytest.raises(ModelUnavailable, match="bytes"):
        fetch(served.url(), dest, sha256=None, expected_size=len(PAYLOAD) + 1)
    assert not dest.exists()


def test_resume_with_range(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    half = len(PAYLOAD) // 2
    part_path(dest).write_bytes(PAYLOAD[:half])
    seen, progress = _calls()
    fetch(served.url(), dest, sha256=SHA, progress=progress)
    assert dest.read_bytes() == PAYLOAD
    assert served.requests == [("/file", f"bytes={half}-")]
    assert seen[0] == (half, len(PAYLOAD))


def test_resume_through_redirect(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    part_path(dest).write_bytes(PAYLOAD[:1000])
    fetch(served.url("/redirect"), dest, sha256=SHA)
    assert dest.read_bytes() == PAYLOAD
    assert served.requests[-1] == ("/file", "bytes=1000-")


def test_server_ignoring_range_restarts(served: FileServer, tmp_path: Path) -> None:
    served.honour_range = False
    dest = tmp_path / "w.bin"
    part_path(dest).write_bytes(b"x" * 5000)  # even wrong bytes: a 200 replaces them
    seen, progress = _calls()
    fetch(served.url(), dest, sha256=SHA, progress=progress)
    assert dest.read_bytes() == PAYLOAD
    assert seen[0] == (0, len(PAYLOAD))


def test_complete_part_is_finished_without_a_body(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    part_path(dest).write_bytes(PAYLOAD)  # the server answers 416: nothing left to send
    fetch(served.url(), dest, sha256=SHA)
    assert dest.read_bytes() == PAYLOAD


def test_dropped_connection_keeps_part_then_resumes(served: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "w.bin"
    served.cut_after = download.CHUNK + 100
    with pytest.raises(ModelUnavailable, match="run again to resume"):
        fetch(served.url(), dest, sha256=SHA)
    assert not dest.exists()
    kept = part_path(dest).stat().st_size
    assert 0 < kept <= served.cut_after
    served.cut_after = None
    fetch(served.url(), dest, sha256=SHA)
    assert dest.read_bytes() == PAYLOAD
    assert served.requests[-1] == ("/file", f"bytes={kept}-")


@pytest.mark.parametrize("code", [404, 500])
def test_http_errors(served: FileServer, tmp_path: Path, code: int) -> None:
    dest = tmp_path / "models" / "w.bin"
    with pytest.raises(ModelUnavailable, match=f"HTTP {code}") as err:
        fetch(served.url(f"/status/{code}"), dest, sha256=None, model="ViT-Test/x")
    text = str(err.value)
    assert "ViT-Test/x" in text and str(dest) in text and "--weights" in text
    assert served.url(f"/status/{code}") in text
    assert not dest.exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/file"
    with pytest.raises(ModelUnavailable, match="refused") as err:
        fetch(url, tmp_path / "w.bin", sha256=None, model="ViT-Test/x")
    assert "--weights" in str(err.value) and url in str(err.value)


def test_timeout(tmp_path: Path) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/file"
        with pytest.raises(ModelUnavailable, match="no answer within"):
            fetch(url, tmp_path / "w.bin", sha256=None, timeout=0.3)


def test_dns_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(ModelUnavailable, match="host name could not be resolved"):
        fetch("https://huggingface.co/x/resolve/main/w.bin", tmp_path / "w.bin", sha256=None)


def test_offline_touches_no_network(served: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    dest = tmp_path / "w.bin"
    with pytest.raises(ModelUnavailable, match="REFRAME_OFFLINE") as err:
        fetch(served.url(), dest, sha256=None, model="ViT-Test/x")
    assert served.requests == []
    assert "ViT-Test/x" in str(err.value) and str(dest) in str(err.value) and "--weights" in str(err.value)


def test_tqdm_progress_draws_and_closes(capsys: pytest.CaptureFixture[str]) -> None:
    bar = download.tqdm_progress("weights")
    bar(0, 100)
    bar(60, 100)
    bar(100, 100)
    assert bar._bar is None  # closed itself at the end
    assert "weights" in capsys.readouterr().err
