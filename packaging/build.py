"""Build, self-test and package Reframe for the OS this runs on. One script for a developer and for CI.

    python packaging/build.py all                 # freeze, self-test, installers for this OS, sizes
    python packaging/build.py freeze [--variant cpu|cuda|mps] [--bundle-weights FILE [--bundle-model NAME]]
                                  # cpu (default): no torch, ONNX Runtime; cuda/mps: with torch
    python packaging/build.py self-test           # the frozen app's --self-test, offscreen
    python packaging/build.py deb | tarball       # Linux
    python packaging/build.py nsis | zip          # Windows
    python packaging/build.py dmg                 # macOS
    python packaging/build.py verify              # install each installer, self-test the installed copy, uninstall
    python packaging/build.py sizes               # list dist/installers with sizes (also written as JSON)
    python packaging/build.py onnx-assets --model M --precision P --pair DIR --out ASSETS
                                                  # an exported pair under its release-asset names
    python packaging/build.py onnx-pins ASSETS    # their sha256 into resources/models/onnx-pins.json

Outputs: ``dist/reframe/`` (the one-folder app; ``dist/Reframe.app`` on macOS), ``dist/installers/`` (what
is published) and ``build/`` (scratch). Both are git-ignored. See packaging/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DIST = REPO / "dist"
BUILD = REPO / "build"
INSTALLERS = DIST / "installers"
APP_DIR = DIST / "reframe"
MAC_APP = DIST / "Reframe.app"
STATE = BUILD / "reframe-build.json"  # what the last freeze was: variant, full or not

IS_WIN, IS_MAC, IS_LINUX = sys.platform == "win32", sys.platform == "darwin", sys.platform.startswith("linux")
EXE = ".exe" if IS_WIN else ""

DEB_PREFIX = "/opt/reframe"
DEB_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DLOPENED_DEPENDS = ("libxcb-cursor0",)
ZSTD_LEVEL = 9
#: Provided by the NVIDIA driver, not by a package the .deb can depend on; torch uses the GPU when present.
DRIVER_LIBS = {"libcuda.so.1", "libnvidia-ml.so.1"}
SELF_TEST_TIMEOUT_S = 900


def version() -> str:
    text = (REPO / "desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    if not match:
        raise SystemExit("no __version__ in desktop/__init__.py")
    return match.group(1)


def log(msg: str) -> None:
    print(f"[build] {msg}", flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            p = Path(root, f)
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def arch() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}.get(m, m)


def build_state() -> dict:
    if not STATE.is_file():
        raise SystemExit("nothing frozen yet: run `python packaging/build.py freeze` first")
    return json.loads(STATE.read_text(encoding="utf-8"))


def flavour(state: dict) -> str:
    """``cpu``, ``cuda`` or ``mps``, with ``-full`` when backbone weights are bundled."""
    return state["variant"] + ("-full" if state.get("full") else "")


def artifact_stem(state: dict) -> str:
    os_name = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    return f"reframe-{version()}-{os_name}-{arch()}-{flavour(state)}"


# -- freeze -------------------------------------------------------------------------------------------


def freeze(args: argparse.Namespace) -> None:
    # cpu unless asked: the torch-free flavour is what most machines want, and it builds from the base
    # install; the spec checks that the environment's torch matches a torch flavour.
    variant = args.variant or "cpu"
    if args.bundle_weights and variant == "cpu":
        raise SystemExit("--bundle-weights ships a PyTorch checkpoint: use it with --variant cuda or mps")
    env = dict(os.environ, REFRAME_VARIANT=variant)
    if args.bundle_weights:
        env["REFRAME_BUNDLE_WEIGHTS"] = str(Path(args.bundle_weights).resolve())
        if args.bundle_model:
            env["REFRAME_BUNDLE_MODEL"] = args.bundle_model
    if not (REPO / "resources" / "icons" / "reframe.png").is_file():
        run([sys.executable, HERE / "make_icon.py"])
    for old in (APP_DIR, MAC_APP):
        if old.exists():
            shutil.rmtree(old)
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        HERE / "reframe.spec",
        "--noconfirm",
        "--distpath",
        DIST,
        "--workpath",
        BUILD / "pyinstaller",
        "--log-level",
        args.log_level,
    ]
    if args.clean:
        cmd.append("--clean")
    t0 = time.time()
    run(cmd, env=env, cwd=REPO)
    normalise_permissions(MAC_APP if IS_MAC else APP_DIR)
    STATE.parent.mkdir(parents=True, exist_ok=True)
    state = {"variant": variant, "full": bool(args.bundle_weights), "version": version(), "seconds": time.time() - t0}
    STATE.write_text(json.dumps(state), encoding="utf-8")
    log(f"froze {flavour(state)} in {state['seconds']:.0f} s: {APP_DIR} ({human(tree_size(APP_DIR))})")


def normalise_permissions(root: Path) -> None:
    """Everyone may read the app, and run what is executable: files 0644 or 0755, folders 0755.

    PyInstaller copies modes as it finds them, and a file that is private to its owner in the source tree
    (a freshly trained model written 0600, say) would be unreadable to every user but root once installed.
    """
    if IS_WIN:
        return
    root.chmod(0o755)
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            p = Path(dirpath, d)
            if not p.is_symlink():
                p.chmod(0o755)
        for f in files:
            p = Path(dirpath, f)
            if not p.is_symlink():
                p.chmod(0o755 if p.stat().st_mode & 0o100 else 0o644)


def frozen_cli() -> Path:
    """The command-line executable of the build (inside the .app on macOS, as the DMG ships it)."""
    exe = MAC_APP / "Contents" / "MacOS" / "reframe" if IS_MAC else APP_DIR / f"reframe{EXE}"
    if not exe.is_file():
        raise SystemExit(f"{exe} not found: run `python packaging/build.py freeze` first")
    return exe


def self_test_exe(exe: Path, *extra: str) -> None:
    """Run ``exe --self-test`` offscreen, in a throwaway REFRAME_HOME; fail the build when it fails."""
    home = Path(tempfile.mkdtemp(prefix="reframe-build-home-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", REFRAME_HOME=str(home))
    env.pop("PYTHONPATH", None)
    try:
        t0 = time.time()
        proc = subprocess.run([str(exe), "--self-test", *extra], env=env, timeout=SELF_TEST_TIMEOUT_S, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"self-test of {exe} failed with exit status {proc.returncode}")
        log(f"self-test of {exe} passed in {time.time() - t0:.0f} s")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def self_test(_args: argparse.Namespace) -> None:
    self_test_exe(frozen_cli())


# -- Linux: .deb and tarball --------------------------------------------------------------------------


def _elf_files(root: Path) -> list[Path]:
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = Path(dirpath, f)
            if p.is_symlink() or not p.is_file():
                continue
            with p.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    found.append(p)
    return found


def _needed(elf: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True, check=False).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _ldconfig_paths() -> dict[str, str]:
    cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    where: dict[str, str] = {}
    for line in cache.splitlines():
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and ("x86-64" in m.group(2) or platform.machine() != "x86_64"):
            where.setdefault(m.group(1), m.group(3))
    return where


def _owner(soname: str, where: dict[str, str]) -> str | None:
    path = where.get(soname)
    if not path:
        return None
    real = os.path.realpath(path)
    for candidate in (path, real, real.replace("/usr/lib/", "/lib/"), path.replace("/lib/", "/usr/lib/", 1)):
        res = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if res.returncode == 0:
            return res.stdout.split(":", 1)[0].strip()
    return None


def _owners(sonames: set[str], where: dict[str, str]) -> tuple[set[str], list[str]]:
    """The packages owning ``sonames``, and the sonames no installed package provides."""
    owners: set[str] = set()
    unowned: list[str] = []
    for soname in sorted(sonames):
        owner = _owner(soname, where)
        if owner:
            owners.add(owner)
        else:
            unowned.append(soname)
    return owners, unowned


#: Plugins Qt loads only when their libraries are there (the GTK theme on GNOME): their libraries are
#: recommended, not required.
OPTIONAL_ELF_DIRS = ("/platformthemes/",)


def linux_depends(app: Path) -> tuple[list[str], list[str]]:
    """Debian packages providing the shared libraries the bundle needs but does not carry: (Depends, Recommends).

    PyInstaller leaves out the libraries every desktop has (glibc, OpenGL/EGL, X11/xcb, fontconfig,
    D-Bus, ...); Qt's platform plugins need them. Read every ELF file's NEEDED entries, drop what the bundle
    holds, and ask dpkg which package owns each of the rest on this (the build) machine.
    """
    bundled = {p.name for p in app.rglob("*")}
    required: set[str] = set()
    optional: set[str] = set()
    for elf in _elf_files(app):
        missing = {n for n in _needed(elf) if n not in bundled}
        (optional if any(d in elf.as_posix() for d in OPTIONAL_ELF_DIRS) else required).update(missing)
    optional -= required
    required -= DRIVER_LIBS
    where = _ldconfig_paths()
    depends, unresolved = _owners(required, where)
    if unresolved:
        raise SystemExit(
            "no installed Debian package provides " + ", ".join(unresolved) + ": install the runtime libraries "
            "listed in packaging/linux/build-deps.txt on the build machine, so the .deb can depend on them"
        )
    recommends, absent = _owners(optional, where)
    for soname in absent:
        log(f"optional plugin library {soname} is not installed here: not recommended by the package")
    # Loaded with dlopen, so no NEEDED entry names them: Qt's xcb plugin refuses to start without
    # xcb-cursor (Qt >= 6.5).
    depends.update(DLOPENED_DEPENDS)
    glibc = platform.libc_ver()[1] or "2.31"
    depends.discard("libc6")
    return [f"libc6 (>= {glibc})", *sorted(depends)], sorted(recommends - depends)


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link into a staging folder (same disk: no second copy of gigabytes), else copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_app(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, symlinks=True, copy_function=_link_or_copy)


def _stage_common(dest: Path) -> None:
    """The app folder plus the desktop entry and icons under ``dest`` laid out as ``/`` would be."""
    opt = dest / DEB_PREFIX.lstrip("/")
    opt.parent.mkdir(parents=True, exist_ok=True)
    copy_app(APP_DIR, opt)
    bin_dir = dest / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("reframe", "reframe-gui"):
        (bin_dir / name).symlink_to(f"{DEB_PREFIX}/{name}")
    apps = dest / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(REPO / "resources" / "reframe.desktop", apps / "reframe.desktop")
    for n in DEB_ICON_SIZES:
        icon_dir = dest / "usr" / "share" / "icons" / "hicolor" / f"{n}x{n}" / "apps"
        icon_dir.mkdir(parents=True)
        shutil.copy2(REPO / "resources" / "icons" / f"reframe-{n}.png", icon_dir / "reframe.png")


DEB_DESCRIPTION = """Search a photo library by text, by example, and by example plus a change
 Reframe indexes the photos in the folders you choose with a CLIP model on
 your own computer, then finds them by a description ("a red bicycle in the
 snow"), by an example photo, or by an example photo plus a change ("the same
 but at night"). Nothing leaves the computer except the one-time download of
 the model weights on first use.
 .
 This package carries the desktop app (reframe-gui, in the applications menu)
 and the command line (reframe), with their own Python, Qt and inference
 runtime under /opt/reframe."""


def deb(_args: argparse.Namespace) -> Path:
    state = build_state()
    variant = state["variant"]
    package = "reframe" + ("-cuda" if variant == "cuda" else "") + ("-full" if state.get("full") else "")
    stage = BUILD / "deb" / package
    if stage.exists():
        shutil.rmtree(stage)
    _stage_common(stage)
    doc = stage / "usr" / "share" / "doc" / package
    doc.mkdir(parents=True)
    shutil.copy2(HERE / "linux" / "copyright", doc / "copyright")
    depends, recommends = linux_depends(APP_DIR)
    installed_kib = (tree_size(stage) + 1023) // 1024
    torch_note = {
        "cuda": "\n .\n This build carries PyTorch with CUDA: it uses an NVIDIA GPU when the\n"
        " NVIDIA driver is installed, the CPU otherwise.",
        "cpu": "\n .\n This build runs the models on the CPU with ONNX Runtime; it carries no\n PyTorch"
        " (training a Combiner in the app needs an install from source\n with torch).",
    }.get(variant, "")
    control = {
        "Package": package,
        "Version": version(),
        "Architecture": subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip(),
        "Maintainer": os.environ.get("DEB_MAINTAINER", "Reframe developers <packaging@reframe.invalid>"),
        "Installed-Size": str(installed_kib),
        "Depends": ", ".join(depends),
        "Recommends": ", ".join(["libdbus-1-3", *recommends, "desktop-file-utils", "hicolor-icon-theme"]),
        "Provides": "reframe-app",
        "Conflicts": "reframe-app",
        "Replaces": "reframe-app",
        "Section": "graphics",
        "Priority": "optional",
        "Description": DEB_DESCRIPTION + torch_note,
    }
    debian = stage / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text("".join(f"{k}: {v}\n" for k, v in control.items()), encoding="utf-8")
    for script in ("postrm",):
        shutil.copy2(HERE / "linux" / script, debian / script)
        (debian / script).chmod(0o755)
    INSTALLERS.mkdir(parents=True, exist_ok=True)
    out = INSTALLERS / f"{package}_{version()}_{control['Architecture']}.deb"
    # zstd, multi-threaded: xz -6 would be a little smaller but compresses the 4 GB of a CUDA build at a few
    # MB/s and unpacks several times slower on the user's machine. dpkg reads zstd since Debian 12 and
    # Ubuntu 21.10 (the glibc the bundle needs rules out older systems anyway).
    run(["dpkg-deb", "--root-owner-group", "-Zzstd", f"-z{ZSTD_LEVEL}", "--threads-max=0", "--build", stage, out])
    shutil.rmtree(stage)
    log(f"{out.name}: {human(out.stat().st_size)}; Depends: {control['Depends']}")
    return out


def tarball(_args: argparse.Namespace) -> Path:
    state = build_state()
    stem = artifact_stem(state)
    top = f"reframe-{version()}"
    stage = BUILD / "tarball" / top
    if stage.parent.exists():
        shutil.rmtree(stage.parent)
    copy_app(APP_DIR, stage)
    shutil.copy2(REPO / "resources" / "reframe.desktop", stage / "reframe.desktop")
    shutil.copy2(HERE / "linux" / "install-desktop-entry.sh", stage / "install-desktop-entry.sh")
    (stage / "install-desktop-entry.sh").chmod(0o755)
    shutil.copy2(HERE / "linux" / "README-portable.txt", stage / "README.txt")
    INSTALLERS.mkdir(parents=True, exist_ok=True)
    # gzip: every tar and every file manager unpacks it.
    out = INSTALLERS / f"{stem}.tar.gz"
    run(["tar", "-C", stage.parent, "--owner=0", "--group=0", "--numeric-owner", "-I", "gzip -6", "-cf", out, top])
    shutil.rmtree(stage.parent)
    log(f"{out.name}: {human(out.stat().st_size)}")
    return out


# -- Windows: NSIS installer and zip ------------------------------------------------------------------


def find_makensis() -> str:
    for candidate in (
        shutil.which("makensis"),
        r"C:\Program Files (x86)\NSIS\makensis.exe",
        r"C:\Program Files\NSIS\makensis.exe",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("makensis not found: install NSIS (choco install nsis -y)")


def nsis(_args: argparse.Namespace) -> Path:
    state = build_state()
    INSTALLERS.mkdir(parents=True, exist_ok=True)
    out = INSTALLERS / f"{artifact_stem(state)}-setup.exe"
    size = tree_size(APP_DIR)
    if size > 2_000_000_000:
        raise SystemExit(
            f"the app folder is {human(size)}: NSIS installers cannot hold more than 2 GB; publish the zip instead"
        )
    run(
        [
            find_makensis(),
            "-V3",
            "-INPUTCHARSET",
            "UTF8",
            f"-DVERSION={version()}",
            f"-DSRC_DIR={APP_DIR}",
            f"-DOUT_FILE={out}",
            f"-DICON={REPO / 'resources' / 'icons' / 'reframe.ico'}",
            f"-DFLAVOUR={flavour(state)}",
            HERE / "windows" / "reframe.nsi",
        ]
    )
    log(f"{out.name}: {human(out.stat().st_size)}")
    return out


def zip_folder(_args: argparse.Namespace) -> Path:
    state = build_state()
    INSTALLERS.mkdir(parents=True, exist_ok=True)
    base = INSTALLERS / f"{artifact_stem(state)}-portable"
    out = Path(shutil.make_archive(str(base), "zip", root_dir=DIST, base_dir="reframe"))
    log(f"{out.name}: {human(out.stat().st_size)}")
    return out


# -- macOS: .app in a DMG -----------------------------------------------------------------------------


def dmg(_args: argparse.Namespace) -> Path:
    state = build_state()
    if not MAC_APP.is_dir():
        raise SystemExit(f"{MAC_APP} not found: run freeze on macOS first")
    # PyInstaller signs the bundle ad hoc (enough to run on Apple silicon); a Developer ID signature and
    # notarisation happen here when the release workflow provides a signing identity.
    identity = os.environ.get("MACOS_SIGN_IDENTITY")
    if identity:
        run(
            [
                "codesign",
                "--force",
                "--deep",
                "--options",
                "runtime",
                "--timestamp",
                "--entitlements",
                HERE / "macos" / "entitlements.plist",
                "--sign",
                identity,
                MAC_APP,
            ]
        )
    run(["codesign", "--verify", "--deep", "--strict", "--verbose=2", MAC_APP])
    run(["plutil", "-lint", MAC_APP / "Contents" / "Info.plist"])
    stage = BUILD / "dmg"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    run(["ditto", MAC_APP, stage / "Reframe.app"])  # ditto keeps symlinks, permissions and signatures
    (stage / "Applications").symlink_to("/Applications")
    INSTALLERS.mkdir(parents=True, exist_ok=True)
    out = INSTALLERS / f"{artifact_stem(state)}.dmg"
    if out.exists():
        out.unlink()
    run(
        [
            "hdiutil",
            "create",
            "-volname",
            f"Reframe {version()}",
            "-srcfolder",
            stage,
            "-fs",
            "HFS+",
            "-format",
            "UDZO",
            "-imagekey",
            "zlib-level=9",
            "-ov",
            out,
        ]
    )
    shutil.rmtree(stage)
    if identity:
        run(["codesign", "--sign", identity, "--timestamp", out])
    log(f"{out.name}: {human(out.stat().st_size)}")
    return out


# -- verify: install, self-test the installed copy, uninstall ------------------------------------------


def _installers(suffix: str) -> list[Path]:
    return sorted(INSTALLERS.glob(f"*{suffix}"))


#: What a user's shell finds: the installed `reframe`, not a virtual environment's.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def verify_deb(path: Path) -> None:
    name = subprocess.run(["dpkg-deb", "-f", str(path), "Package"], capture_output=True, text=True, check=True)
    package = name.stdout.strip()
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run([*sudo, "apt-get", "install", "-y", "--no-install-recommends", str(path.resolve())], env=env)
    try:
        for f in (
            "/usr/bin/reframe",
            "/usr/bin/reframe-gui",
            "/usr/share/applications/reframe.desktop",
            "/usr/share/icons/hicolor/256x256/apps/reframe.png",
        ):
            if not Path(f).exists():
                raise SystemExit(f"{f} missing after installing {path.name}")
        installed = shutil.which("reframe", path=SYSTEM_PATH)
        if installed != "/usr/bin/reframe":
            raise SystemExit(f"`reframe` on PATH is {installed}, not /usr/bin/reframe")
        home = Path(tempfile.mkdtemp(prefix="reframe-verify-"))
        env_test = dict(os.environ, QT_QPA_PLATFORM="offscreen", REFRAME_HOME=str(home), PATH=SYSTEM_PATH)
        for var in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
            env_test.pop(var, None)
        cmd = ["reframe", "self-test"]
        if os.geteuid() == 0 and shutil.which("runuser", path=SYSTEM_PATH):
            # As root everything is readable; run as an ordinary user, as people will.
            shutil.chown(home, "nobody")
            cmd = [
                "runuser",
                "-u",
                "nobody",
                "--",
                "env",
                f"HOME={home}",
                f"REFRAME_HOME={home}",
                "QT_QPA_PLATFORM=offscreen",
                f"TMPDIR={home}",
                *cmd,
            ]
        log(f"$ {' '.join(cmd)}   (installed copy, {os.path.realpath(installed)})")
        proc = subprocess.run(cmd, env=env_test, timeout=SELF_TEST_TIMEOUT_S, check=False)
        shutil.rmtree(home, ignore_errors=True)
        if proc.returncode != 0:
            raise SystemExit(f"the installed {package} failed its self-test")
    finally:
        run([*sudo, "apt-get", "purge", "-y", package], env=env)
    left = [
        p
        for p in (
            DEB_PREFIX,
            "/usr/bin/reframe",
            "/usr/bin/reframe-gui",
            "/usr/share/applications/reframe.desktop",
            f"/usr/share/doc/{package}",
        )
        if os.path.lexists(p)
    ]
    left += [str(p) for p in Path("/usr/share/icons/hicolor").glob("*/apps/reframe.png")]
    status = subprocess.run(["dpkg", "-s", package], capture_output=True, text=True, check=False)
    if left or status.returncode == 0:
        raise SystemExit(f"uninstalling {package} left: {left or status.stdout}")
    log(f"{path.name}: installed, self-test passed, purged; nothing left behind")


def verify_tarball(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="reframe-tar-") as tmp:
        with tarfile.open(path) as tar:
            tar.extractall(tmp, filter="tar")
        top = next(Path(tmp).iterdir())
        self_test_exe(top / "reframe")
    log(f"{path.name}: unpacked, self-test passed")


def verify_nsis(path: Path) -> None:
    target = Path(tempfile.gettempdir()) / "ReframeVerify"
    if target.exists():
        shutil.rmtree(target)
    # /D must come last and unquoted; the installer returns when it is done.
    run([str(path), "/S", f"/D={target}"])
    exe = target / "reframe.exe"
    for f in (exe, target / "reframe-gui.exe", target / "Uninstall.exe"):
        if not f.is_file():
            raise SystemExit(f"{f} missing after a silent install")
    programs = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Microsoft/Windows/Start Menu/Programs/Reframe"
    if not (programs / "Reframe.lnk").is_file():
        raise SystemExit(f"no Start-menu entry at {programs}")
    try:
        self_test_exe(exe)
    finally:
        # The uninstaller copies itself to %TEMP% and returns at once; wait for the folder to go.
        run([str(target / "Uninstall.exe"), "/S"])
        deadline = time.time() + 300
        while target.exists() and time.time() < deadline:
            time.sleep(2)
    if target.exists() or programs.exists():
        raise SystemExit(f"uninstall left {target if target.exists() else programs}")
    log(f"{path.name}: installed silently, self-test passed, uninstalled; nothing left behind")


def verify_dmg(path: Path) -> None:
    mount = Path(tempfile.mkdtemp(prefix="reframe-dmg-"))
    run(["hdiutil", "attach", "-nobrowse", "-readonly", "-mountpoint", mount, path])
    try:
        with tempfile.TemporaryDirectory(prefix="reframe-app-") as tmp:
            app = Path(tmp) / "Reframe.app"
            run(["ditto", mount / "Reframe.app", app])  # what dragging it to Applications does
            run(["codesign", "--verify", "--deep", "--strict", app])
            plist = subprocess.run(
                ["plutil", "-convert", "json", "-o", "-", app / "Contents" / "Info.plist"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            info = json.loads(plist)
            for key in (
                "NSDesktopFolderUsageDescription",
                "NSDocumentsFolderUsageDescription",
                "NSRemovableVolumesUsageDescription",
                "CFBundleIdentifier",
                "CFBundleExecutable",
            ):
                if not info.get(key):
                    raise SystemExit(f"Info.plist has no {key}")
            self_test_exe(app / "Contents" / "MacOS" / "reframe")
    finally:
        run(["hdiutil", "detach", mount])
    log(f"{path.name}: mounted, app copied out, self-test passed")


def verify(_args: argparse.Namespace) -> None:
    done = 0
    for p in _installers(".deb"):
        verify_deb(p)
        done += 1
    for p in _installers(".tar.gz"):
        verify_tarball(p)
        done += 1
    for p in _installers("-setup.exe"):
        verify_nsis(p)
        done += 1
    for p in _installers(".dmg"):
        verify_dmg(p)
        done += 1
    if not done:
        raise SystemExit(f"no installers in {INSTALLERS}")


# -- ONNX release assets and their pins ------------------------------------------------------------------

ONNX_FILES = ("image.onnx", "text.onnx", "card.json")


def _asset_name(spec, precision: str, file: str) -> str | None:
    """The release-asset file name the app downloads (the last part of its URL), or None if it has none."""
    from desktop.models.registry import onnx_asset_url

    url = onnx_asset_url(spec, precision, file)
    return url.rsplit("/", 1)[-1] if url else None


def onnx_assets(args: argparse.Namespace) -> None:
    """Copy an exported pair (``reframe export-onnx --out DIR``) to ``--out`` under its release-asset names."""
    sys.path.insert(0, str(REPO))
    from desktop.models.registry import get_spec

    spec = get_spec(args.model)
    pair = Path(args.pair)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    card = json.loads((pair / "card.json").read_text(encoding="utf-8"))
    if card.get("precision") != args.precision:
        raise SystemExit(f"{pair} holds a {card.get('precision')} export, not {args.precision}")
    for file in ONNX_FILES:
        name = _asset_name(spec, args.precision, file)
        if name is None:
            raise SystemExit(f"{spec.name} ships with the app: it has no ONNX release assets")
        shutil.copy2(pair / file, out / name)
        log(f"{out / name}: {human((out / name).stat().st_size)}")


def onnx_pins(args: argparse.Namespace) -> dict:
    """sha256 of every complete set of ONNX release assets in ``args.assets``, written as the app's pins.

    Asset names are matched to models through the registry (the same names the app downloads), so a file
    renamed by hand, or a model the registry no longer has, is not pinned. The existing pins of models
    absent from the folder are kept: an asset once published keeps its bytes, and installers carry its pin.
    """
    sys.path.insert(0, str(REPO))
    from desktop.models.onnx_files import PRECISIONS, sha256_of
    from desktop.models.registry import ONNX_PINS, available_models

    folder = Path(args.assets)
    pins: dict[str, dict[str, str]] = {}
    if ONNX_PINS.is_file():
        pins = json.loads(ONNX_PINS.read_text(encoding="utf-8"))
    found = 0
    for spec in available_models(include_hidden=True):
        for precision in PRECISIONS:
            names = {f: _asset_name(spec, precision, f) for f in ONNX_FILES}
            if any(n is None for n in names.values()):
                break  # ships with the app
            present = {f: folder / n for f, n in names.items() if n and (folder / n).is_file()}
            if not present:
                continue
            if len(present) != len(ONNX_FILES):
                missing = sorted(set(ONNX_FILES) - set(present))
                raise SystemExit(f"{spec.name} {precision}: {', '.join(missing)} missing in {folder}")
            pins[f"{spec.name}/{precision}"] = {f: sha256_of(path) for f, path in present.items()}
            found += 1
    if args.require and found < args.require:
        raise SystemExit(f"{found} complete ONNX pairs in {folder}, expected {args.require}")
    out = Path(args.write) if args.write else ONNX_PINS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(sorted(pins.items())), indent=2) + "\n", encoding="utf-8")
    log(f"{out}: {found} pairs pinned from {folder} ({len(pins)} in all)")
    return pins


# -- sizes and all ------------------------------------------------------------------------------------


def sizes(_args: argparse.Namespace | None = None) -> list[dict]:
    state = build_state()
    rows = [{"file": "(app folder, uncompressed)", "bytes": tree_size(MAC_APP if IS_MAC else APP_DIR)}]
    rows += [
        {"file": p.name, "bytes": p.stat().st_size}
        for p in sorted(INSTALLERS.glob("*"))
        if p.is_file() and not p.name.endswith(".json")
    ]
    for row in rows:
        row["size"] = human(row["bytes"])
    data = {"version": version(), "flavour": flavour(state), "os": platform.platform(), "files": rows}
    INSTALLERS.mkdir(parents=True, exist_ok=True)
    (INSTALLERS / f"sizes-{sys.platform}-{flavour(state)}.json").write_text(json.dumps(data, indent=2))
    print(f"| file ({flavour(state)}) | size |\n| --- | ---: |")
    for row in rows:
        print(f"| {row['file']} | {row['size']} ({row['bytes']:,} bytes) |")
    return rows


def build_all(args: argparse.Namespace) -> None:
    freeze(args)
    self_test(args)
    if INSTALLERS.exists():
        shutil.rmtree(INSTALLERS)
    if IS_LINUX:
        deb(args)
        tarball(args)
    elif IS_WIN:
        zip_folder(args)
        if tree_size(APP_DIR) <= 2_000_000_000:
            nsis(args)
        else:
            log("the app folder is over NSIS's 2 GB limit: publishing the portable zip only")
    elif IS_MAC:
        dmg(args)
    sizes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    for name in ("freeze", "all"):
        p = sub.add_parser(name)
        p.add_argument(
            "--variant",
            choices=("cpu", "cuda", "mps"),
            help="cpu (default): no torch, models on ONNX Runtime; cuda, mps: also torch (that build installed)",
        )
        p.add_argument("--bundle-weights", metavar="FILE", help="a 'full' installer: ship these backbone weights")
        p.add_argument("--bundle-model", metavar="NAME", help="the model the weights are for (default: the default)")
        p.add_argument("--clean", action="store_true", help="clear PyInstaller's cache first")
        p.add_argument("--log-level", default="WARN", help="PyInstaller log level (default WARN)")
    for name in ("self-test", "deb", "tarball", "nsis", "zip", "dmg", "verify", "sizes"):
        sub.add_parser(name)
    p = sub.add_parser("onnx-assets", help="an exported ONNX pair under its release-asset names")
    p.add_argument("--model", required=True)
    p.add_argument("--precision", required=True, choices=("fp32", "int8"))
    p.add_argument("--pair", required=True, metavar="DIR", help="the folder `reframe export-onnx --out` wrote")
    p.add_argument("--out", required=True, metavar="DIR")
    p = sub.add_parser("onnx-pins", help="pin the sha256 of the ONNX release assets in a folder")
    p.add_argument("assets", metavar="DIR")
    p.add_argument("--require", type=int, default=0, metavar="N", help="fail unless N complete pairs are found")
    p.add_argument("--write", metavar="FILE", help="default: resources/models/onnx-pins.json")
    args = parser.parse_args(argv)
    steps = {
        "freeze": freeze,
        "all": build_all,
        "self-test": self_test,
        "deb": deb,
        "tarball": tarball,
        "nsis": nsis,
        "zip": zip_folder,
        "dmg": dmg,
        "verify": verify,
        "sizes": sizes,
        "onnx-assets": onnx_assets,
        "onnx-pins": onnx_pins,
    }
    steps[args.step](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
