"""Entry point of the frozen app (PyInstaller builds two executables from this one script).

- ``reframe-gui`` (``reframe-gui.exe`` on Windows, the executable inside ``Reframe.app`` on macOS) opens
  the desktop app; it is a windowed executable on Windows (no console window).
- ``reframe`` is the command line (``reframe index``, ``reframe search``, ...; ``reframe gui`` opens the
  window too).

Both accept ``--self-test`` (and ``reframe self-test``): the offscreen end-to-end check in
:mod:`desktop.selftest` that every build runs before it is published.

Before handing over, two things only a frozen app needs:

- TLS roots for the first-run model download: a frozen Python's OpenSSL looks for CA certificates where
  the *build* machine kept them. When that path does not exist here, point ``SSL_CERT_FILE`` at the
  system's bundle, or at the ``certifi`` bundle shipped with the app.
- A "full" installer carries backbone weights in ``resources/weights/<model>/<file>``
  (``packaging/build.py --bundle-weights``); the loader then finds them there instead of downloading.
  A copy the user already has in the library wins.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

GUI_NAMES = {"reframe-gui", "reframe gui", "reframe_gui"}
SELF_TEST = ("--self-test", "self-test")

_SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, Alpine
)


def ensure_ca_certificates() -> None:
    if sys.platform == "win32" or os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return  # Windows: Python reads the system certificate store
    import ssl

    paths = ssl.get_default_verify_paths()
    if (paths.cafile and os.path.isfile(paths.cafile)) or (paths.capath and os.path.isdir(paths.capath)):
        return
    for candidate in _SYSTEM_CA_FILES:
        if os.path.isfile(candidate):
            os.environ["SSL_CERT_FILE"] = candidate
            return
    try:
        import certifi

        os.environ["SSL_CERT_FILE"] = certifi.where()
    except ImportError:
        pass


def use_bundled_hub_weights() -> None:
    """Let the loader find backbone weights shipped in ``resources/weights`` (a "full" installer)."""
    from desktop.paths import RESOURCES, safe_name

    bundled_root = RESOURCES / "weights"
    if not bundled_root.is_dir():
        return
    from desktop.models import loader

    library_path = loader.weights_path

    def weights_path(spec, paths):  # same signature as desktop.models.loader.weights_path
        path = library_path(spec, paths)
        if spec.source == "hub" and not path.is_file():
            bundled = bundled_root / safe_name(spec.name) / spec.filename
            if bundled.is_file():
                return bundled
        return path

    loader.weights_path = weights_path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ensure_ca_certificates()
    use_bundled_hub_weights()
    if argv and argv[0] in SELF_TEST:
        from desktop.selftest import main as self_test

        return self_test(argv[1:])
    if Path(sys.executable).stem.lower() in GUI_NAMES:
        from desktop.gui.app import main as gui_main

        return int(gui_main(argv) or 0)
    from desktop.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # the shapes trainer renders with a process pool
    sys.exit(main())
