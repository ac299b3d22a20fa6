"""The loupe's and Export's screenshots: ``python -m desktop.gui.screenshots_loupe docs/screenshots``.

Makes twelve photo-like pictures (landscapes at a few megapixels, two of them upright, with camera dates
in their EXIF) in a temporary library with the test encoder, then takes ``loupe.png`` (the loupe fitted,
with its info panel), ``loupe-100.png`` (at 100 %) and ``export.png`` (the grid with five photos selected
and Export's report: one renamed, one skipped). Best run under Xvfb with a window manager, e.g.
``xvfb-run -a -s "-screen 0 1400x900x24" bash -c 'openbox & sleep 1; python -m desktop.gui.screenshots_loupe'``,
since ``export.png`` is taken from the screen (the dialog is a window of its own).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = (1280, 800)


def scenery(seed: int, width: int, height: int) -> Image.Image:
    """A landscape-like picture: a sky gradient with a sun, mountain ridges fading with distance, a lake
    that mirrors them, and a little grain."""
    rng = np.random.default_rng(seed)
    horizon = int(height * rng.uniform(0.55, 0.68))
    top = rng.uniform([30, 60, 120], [90, 130, 200])
    low = rng.uniform([200, 140, 90], [255, 210, 170])
    t = np.linspace(0, 1, horizon)[:, None]
    sky = (top * (1 - t) + low * t)[:, None, :].repeat(width, axis=1)
    img = Image.new("RGB", (width, height))
    img.paste(Image.fromarray(sky.astype(np.uint8), "RGB"), (0, 0))
    draw = ImageDraw.Draw(img)
    sx, sy, r = rng.uniform(0.15, 0.85) * width, horizon * rng.uniform(0.3, 0.7), height * rng.uniform(0.04, 0.07)
    draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(255, 236, 190))
    base = rng.uniform([40, 60, 50], [90, 110, 90])
    for layer in range(4):  # far ridges are paler and higher
        fade = (3 - layer) / 4
        colour = tuple(int(c) for c in base * (1 - fade) + low * fade * 0.9)
        steps = 60
        xs = np.linspace(0, width, steps)
        walk = np.cumsum(rng.normal(0, height * 0.018, steps))
        ys = horizon - height * (0.28 - 0.06 * layer) + walk - walk.mean()
        ys = np.minimum(ys, horizon - 2)
        draw.polygon([(0, horizon), *zip(xs.tolist(), ys.tolist(), strict=True), (width, horizon)], fill=colour)
    above = img.crop((0, 0, width, horizon))
    mirror = above.transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize((width, height - horizon))
    water = Image.blend(mirror.filter(ImageFilter.GaussianBlur(3)), Image.new("RGB", mirror.size, (30, 50, 70)), 0.35)
    img.paste(water, (0, horizon))
    arr = np.asarray(img, dtype=np.int16) + rng.integers(-6, 7, size=(height, width, 1), dtype=np.int16)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def make_photos(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for i in range(12):
        upright = i in (3, 8)
        w, h = (2000, 3000) if upright else (3000, 2000)
        exif = Image.Exif()
        taken = dt.datetime(2024, 6, 1, 7, 30) + dt.timedelta(days=i * 9, minutes=i * 37)
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x010F] = "Reframe"
        path = folder / f"IMG_{4100 + i}.jpg"
        scenery(i + 3, w, h).save(path, "JPEG", quality=88, exif=exif)
        made.append(path)
    return made


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("REFRAME_OFFLINE", "1")
    os.environ.setdefault("REFRAME_TEST_MODELS", "1")
    from PySide6.QtCore import QItemSelectionModel, QPointF, QRect
    from PySide6.QtGui import QGuiApplication

    from desktop.gui.app import make_app
    from desktop.gui.screenshots import settler
    from desktop.gui.session import READY, Session
    from desktop.gui.window import MainWindow

    app = make_app()

    settle = settler(app, catch_up=30)

    with tempfile.TemporaryDirectory(prefix="reframe-loupe-") as tmp:
        photos = make_photos(Path(tmp) / "Iceland 2024")
        window = MainWindow(Session.open(Path(tmp) / "library", "test-pixels", watch=False))
        window.resize(*SIZE)
        window.show()
        window.session.start()
        s = window.session
        settle(lambda: s.model_state == READY and not s.indexer.busy and not s.searching, 60)
        s.add_root(photos[0].parent)
        settle(lambda: window.results.rowCount() == len(photos) and not s.indexer.busy and not s.searching, 300)
        settle(lambda: window.loader.pool.activeThreadCount() == 0, 30)

        loupe, canvas = window.loupe, window.loupe.canvas
        window.search_bar.use_reference(str(photos[4]), keep_text=False)  # More Like This: scores to show
        settle(lambda: s.latest_query is not None and s.latest_query.image is not None and not s.searching, 60)
        settle(lambda: window.results.rowCount() > 0 and window.results.hit(0).score is not None, 60)  # type: ignore[union-attr]
        window.grid.select_row(6)
        window.preview(6)
        box = canvas.fit_box()
        settle(lambda: canvas.image is not None and canvas.image.width() in (box.width(), 3000), 60)
        window.grab().save(str(out / "loupe.png"))

        photo = canvas.photo_rect()
        canvas.set_zoomed(True, QPointF(photo.x() + photo.width() * 0.62, photo.y() + photo.height() * 0.4))
        settle(canvas.has_full, 60)
        window.grab().save(str(out / "loupe-100.png"))
        loupe.close_loupe()
        window.search_bar.clear_step()  # back to browsing: the reference goes
        settle(lambda: s.latest_query is not None and s.latest_query.empty and not s.searching, 60)
        settle(lambda: window.results.rowCount() == len(photos) and window.results.hit(0).score is None, 60)  # type: ignore[union-attr]

        export = Path(tmp) / "For the album"
        export.mkdir()
        chosen = [window.results.hit(r).path for r in (0, 1, 2, 4, 5)]  # type: ignore[union-attr]
        (export / os.path.basename(chosen[1])).write_bytes(b"already here")
        grid, selection = window.grid, window.grid.selectionModel()
        grid.clearSelection()
        for r in (0, 1, 2, 4, 5):
            selection.select(window.results.index(r), QItemSelectionModel.SelectionFlag.Select)
        os.remove(chosen[4])  # gone since it was indexed: skipped, with the reason
        dialog = window.selection_actions.export_to(window.selection_actions.selected_paths(), str(export))
        settle(lambda: dialog.report is not None, 60)
        settle(lambda: dialog.isVisible(), 5)
        screen = QGuiApplication.primaryScreen()
        area = window.frameGeometry().united(dialog.frameGeometry())
        shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
        if shot.isNull() or QGuiApplication.platformName() == "offscreen":
            shot = window.grab()
            dialog_shot = dialog.grab()
            from PySide6.QtGui import QPainter

            painter = QPainter(shot)
            at = QRect(0, 0, dialog_shot.width(), dialog_shot.height())
            at.moveCenter(shot.rect().center())
            painter.drawPixmap(at, dialog_shot)
            painter.end()
        shot.save(str(out / "export.png"))
        dialog.close()
        window.shutdown()
        window.close()
    for name in ("loupe.png", "loupe-100.png", "export.png"):
        print(out / name, "ok" if (out / name).is_file() else "MISSING")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
