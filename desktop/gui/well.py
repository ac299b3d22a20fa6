"""The reference-photo well: drop a photo here (from the file manager or the results), paste one, or
click to choose one. Pasted image data is saved as a PNG in the library's ``pasted`` folder, because a
reference is always a file."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.errors import ReframeError
from desktop.files import replace_with
from desktop.gui.results import local_paths
from desktop.gui.thumbnails import ThumbnailLoader
from desktop.ingest.scan import IMAGE_EXTENSIONS

IMAGE_FILTER = "Images (" + " ".join(f"*{e}" for e in sorted(IMAGE_EXTENSIONS)) + ");;All files (*)"
WELL_SIZE = 96


class ReferenceWell(QFrame):
    referenceChanged = Signal(object)  # str path, or None when cleared

    def __init__(self, loader: ThumbnailLoader, paste_dir: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referenceWell")
        self.setAcceptDrops(True)
        self.setFixedSize(QSize(WELL_SIZE, WELL_SIZE))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Reference photo: drop one here, paste one (Ctrl+V) or click to choose")
        self._loader = loader
        self._paste_dir = paste_dir
        self._path: str | None = None
        self._hover = False
        self.picture = QLabel("Drop a\nphoto\nhere")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.addWidget(self.picture)
        self.clear_button = QToolButton(self)
        self.clear_button.setObjectName("clearReference")
        self.clear_button.setText("×")
        self.clear_button.setToolTip("Remove the reference photo")
        self.clear_button.setAutoRaise(True)
        # A dark round badge: visible over any picture, light or dark, in either theme.
        self.clear_button.setStyleSheet(
            "#clearReference { background: rgba(0, 0, 0, 150); color: white; border: none; border-radius: 9px;"
            " font-weight: bold; min-width: 18px; max-width: 18px; min-height: 18px; max-height: 18px; padding: 0; }"
            " #clearReference:hover { background: rgba(0, 0, 0, 220); }"
        )
        self.clear_button.setCursor(Qt.CursorShape.ArrowCursor)
        self.clear_button.clicked.connect(self.clear)
        self.clear_button.hide()
        self._place_clear_button()
        #: Why the last drop or paste was refused, in words ("" when it was taken).
        self.refusal = ""
        loader.arrived.connect(self._on_thumbs)
        self._style()

    # -- the reference ------------------------------------------------------------------------------

    @property
    def path(self) -> str | None:
        return self._path

    def set_reference(self, path: str | os.PathLike[str] | None) -> None:
        new = os.path.abspath(os.fspath(path)) if path else None
        if new == self._path:
            return
        self._path = new
        self._place_clear_button()
        self.clear_button.setVisible(new is not None)
        self.clear_button.raise_()
        if new is None:
            self.picture.setPixmap(QPixmap())
            self.picture.setText("Drop a\nphoto\nhere")
            self.setToolTip("Reference photo: drop one here, paste one (Ctrl+V) or click to choose")
        else:
            self.setToolTip(f"Reference: {new}\nClick to choose another, × to remove")
            pm = self._loader.pixmap(new, self._thumb_size())
            if pm is not None:
                self._show(pm)
            else:
                self.picture.setText("…")
        self.referenceChanged.emit(new)

    def clear(self) -> None:
        self.set_reference(None)

    def choose(self) -> None:
        start = os.path.dirname(self._path) if self._path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Choose a reference photo", start, IMAGE_FILTER)
        if path:
            self.set_reference(path)

    def accept_mime(self, mime: QMimeData) -> bool:
        """Take a reference from a drop or a paste: a local image file, or image data. Returns whether
        something was taken; when not, :attr:`refusal` says why."""
        self.refusal = ""
        files = [p for p in local_paths(mime) if p.is_file()]
        if files:
            self.set_reference(files[0])
            return True
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QPixmap):
                image = image.toImage()
            if isinstance(image, QImage) and not image.isNull():
                try:
                    saved = self._save_pasted(image)
                except (OSError, ReframeError) as exc:
                    self.refusal = f"The pasted image could not be saved in {self._paste_dir()}: {_os_reason(exc)}"
                    return False
                self.set_reference(saved)
                return True
        self.refusal = refusal(mime)
        return False

    def _save_pasted(self, image: QImage) -> str:
        folder = self._paste_dir()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / time.strftime("pasted-%Y%m%d-%H%M%S.png")
        n = 1
        while target.exists():
            n += 1
            target = folder / time.strftime(f"pasted-%Y%m%d-%H%M%S-{n}.png")

        def write(tmp: Path) -> None:
            # PySide6's stubs say bytes for the format; the binding itself only takes str.
            if not image.save(str(tmp), "PNG"):  # type: ignore[call-overload]
                raise OSError(f"cannot save the pasted image to {folder}")

        replace_with(target, write)
        return str(target)

    # -- thumbnails ---------------------------------------------------------------------------------

    def _thumb_size(self) -> int:
        return 2 * WELL_SIZE  # sharp on HiDPI screens, and shared with nothing else

    def _on_thumbs(self, keys: list[tuple[str, int]]) -> None:
        path, size = self._path, self._thumb_size()
        if path is None or (path, size) not in keys:
            return
        reason = self._loader.error(path, size)
        if reason is not None:
            self.picture.setText("cannot\nshow")
            self.setToolTip(f"Reference: {path}\n{reason}")
        elif (pm := self._loader.pixmap(path, size)) is not None:
            self._show(pm)

    def _show(self, pm: QPixmap) -> None:
        inner = self.picture.size()
        ratio = self.devicePixelRatioF()
        scaled = pm.scaled(
            inner * ratio, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        scaled.setDevicePixelRatio(ratio)
        self.picture.setPixmap(scaled)

    def _style(self) -> None:
        border = "palette(highlight)" if self._hover else "palette(mid)"
        self.setStyleSheet(
            f"#referenceWell {{ border: 2px dashed {border}; border-radius: 8px; background: palette(base); }}"
        )

    # -- events -------------------------------------------------------------------------------------

    def _place_clear_button(self) -> None:
        """The × in the well's top right corner, at its own size (a child outside a layout keeps Qt's
        default 100x30 until resized, which put the × outside the well)."""
        button = self.clear_button
        button.resize(button.sizeHint())
        button.move(self.width() - button.width() - 3, 3)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_clear_button()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.choose()
        super().mouseReleaseEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if any(p.suffix.lower() in IMAGE_EXTENSIONS or p.is_file() for p in local_paths(mime)) or mime.hasImage():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._hover = True
            self._style()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event: object) -> None:
        self._hover = False
        self._style()

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover = False
        self._style()
        if self.accept_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()


def refusal(mime: QMimeData) -> str:
    """Why ``mime`` (a paste or a drop) holds no photo to use as the reference."""
    paths = local_paths(mime)
    if paths:
        path = paths[0]
        if path.is_dir():
            return f"{path.name} is a folder, not a photo: drop it on the window to add it to the library"
        return f"{path.name} is not there any more (moved, renamed or deleted)"
    if mime.hasUrls() and mime.urls():
        return "The clipboard holds a web address, not a photo on this computer: save the photo first"
    if mime.hasImage():
        return "The image on the clipboard could not be read"
    if mime.hasText() and mime.text().strip():
        return "The clipboard holds text, not a photo: copy a photo or an image file to use it as the reference"
    return "The clipboard is empty: copy a photo or an image file to use it as the reference"


def _os_reason(exc: OSError | ReframeError) -> str:
    if isinstance(exc, ReframeError):
        return exc.message
    return (exc.strerror or "it could not be written").lower()
