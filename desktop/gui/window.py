"""The main window: library panel on the left; search bar and results on the right; status at the bottom.

The window wires widgets to the :class:`~desktop.gui.session.Session` and decides which view the results
area shows. It holds no engine logic.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desktop.errors import ModelUnavailable, ReframeError
from desktop.gui.chrome import Chrome
from desktop.gui.combiner_training import FAILED
from desktop.gui.demo_mode import DemoMode, ModelNotice
from desktop.gui.filter_bar import FilterBar
from desktop.gui.grid import ResultsView
from desktop.gui.history import SearchHistory
from desktop.gui.indexer import INDEXING
from desktop.gui.library_panel import LibraryPanel
from desktop.gui.loupe import Loupe
from desktop.gui.model_dialog import ModelUnavailableDialog
from desktop.gui.results import ResultsModel, local_paths
from desktop.gui.search_bar import SearchBar
from desktop.gui.selection_actions import SelectionActions
from desktop.gui.session import (
    SETTING_RESULTS,
    SETTING_THUMB,
    SETTING_THUMB_CACHE,
    UNAVAILABLE,
    Inference,
    Query,
    Session,
)
from desktop.gui.settings import Settings, SettingsDialog
from desktop.gui.status import StatusBar
from desktop.gui.thumb_size import ThumbnailSizer
from desktop.gui.thumbnails import ThumbnailLoader
from desktop.gui.train_confirm import start_training
from desktop.gui.welcome import EmptyState, WelcomePanel
from desktop.gui.widgets import GAP, MARGIN
from desktop.models.backend import TORCH_EXTRA, torch_installed
from desktop.search.engine import Found

DEFAULT_THUMB = 160
TRAIN_TIP = (
    "A Combiner turns a reference photo and a change into one query. This one learns from generated "
    "captions with the model's own text encoder: no download, nothing leaves this computer. It takes tens "
    "of minutes on a CPU, a few on a GPU; searching goes on meanwhile, and composed search uses it as soon "
    "as it is ready."
)
NO_TORCH_TIP = (
    "Training a Combiner needs PyTorch, which this installation does not have (searching and indexing do "
    f"not). Install it with: {TORCH_EXTRA}"
)


class MainWindow(QMainWindow):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Reframe")
        self.setAcceptDrops(True)
        self.session = session
        session.window = self
        self.model_dialog: ModelUnavailableDialog | None = None
        self.model_error: ModelUnavailable | None = None  # the last one, for the empty state's button
        self.loader = ThumbnailLoader(session.thumbs)
        thumb = int(session.setting(SETTING_THUMB) or DEFAULT_THUMB)
        self.results = ResultsModel(self.loader, thumb, self)
        self.grid = ResultsView(self.results)
        # The well has a loader of its own: a new result list drops the results' queued loads (forget), and
        # must not drop the reference's picture with them.
        self.well_loader = ThumbnailLoader(session.thumbs, threads=1)
        self.search_bar = SearchBar(self.well_loader, lambda: self.session.paste_dir)
        self.history = SearchHistory(session, self.search_bar, self.well_loader, self)  # trail, recent, last search
        self.library_panel = LibraryPanel(session)
        self.filter_bar = FilterBar(session)  # puts the filters kept in the settings in force before the first browse
        self.library_panel.mark_folders(self.filter_bar.choice.folders)
        self.welcome = WelcomePanel()
        self.empty = EmptyState()
        self.notice = ModelNotice()
        self.stack = QStackedWidget()
        for w in (self.empty, self.welcome, self.grid):
            self.stack.addWidget(w)
        self.setStatusBar(StatusBar(session))
        self._build_layout()
        self._build_actions()
        self._connect()
        self.chrome = Chrome(self)  # Library, View and Help menus, sidebar, theme, Down into the results
        self.demo = DemoMode(self, session, self.notice)
        self.welcome.tryDemo.connect(self.demo.start)
        self.notice.settingsRequested.connect(self.open_settings)
        self.empty.actionClicked.connect(self.reopen_model_dialog)
        self.loupe = Loupe(self.results, self.loader.any_pixmap, self)  # Space / double-click: one photo, large
        self.loupe.cover(self.centralWidget() or self)
        self._connect_loupe()
        self.selection_actions = SelectionActions(self)  # Copy Images, Export…, Open With, "5 selected"
        self.thumb_size = ThumbnailSizer(self)  # slider, Ctrl+= / Ctrl+−, Ctrl+scroll
        self.chrome.view_menu.addSeparator()
        self.chrome.view_menu.addActions([self.thumb_size.larger_action, self.thumb_size.smaller_action])
        self._roots_known = False
        self._last_result: Found | None = None
        self._shown: Query | None = None  # the query whose results the grid shows
        self.update_view()
        self.resize(1180, 760)

    # -- construction -------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(GAP, MARGIN, MARGIN, GAP)
        column.setSpacing(MARGIN)
        column.addWidget(self.search_bar)
        column.addWidget(self.filter_bar)
        column.addWidget(self.history.bar)
        column.addWidget(self.notice)
        column.addWidget(self.stack, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.library_panel)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.library_panel.setMinimumWidth(220)
        splitter.setSizes([280, 900])
        self.setCentralWidget(splitter)

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        add = file_menu.addAction("&Add Folder…")
        add.triggered.connect(self.library_panel.choose_folder)
        settings = file_menu.addAction("&Settings…")
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        settings.triggered.connect(self.open_settings)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        search_menu = bar.addMenu("&Search")
        find = QAction("&Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.search_bar.focus_field)
        paste = QAction("&Paste Reference Photo", self)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        paste.triggered.connect(self.paste_reference)
        choose = QAction("&Choose Reference Photo…", self)
        choose.triggered.connect(self.search_bar.well.choose)
        clear = QAction("C&lear Search", self)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.triggered.connect(self.clear_search)
        for action in (find, paste, choose, clear):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            search_menu.addAction(action)
        search_menu.addSeparator()
        search_menu.addActions([self.history.back_action, self.history.forward_action, self.history.recent_action])
        search_menu.addSeparator()
        self.train_action = search_menu.addAction("&Train Combiner from Text")
        search_menu.setToolTipsVisible(True)  # the action's tooltip says why it is greyed out without PyTorch
        self.can_train = torch_installed()  # checked once: installing PyTorch needs a restart anyway
        self.train_action.setToolTip(TRAIN_TIP if self.can_train else NO_TORCH_TIP)
        self.train_action.setEnabled(self.can_train)
        self.train_action.triggered.connect(self.start_training)
        self.shortcut_actions = {"find": find, "paste": paste, "clear": clear}
        # Keys that also work where the grid has focus.
        QShortcut(QKeySequence("Ctrl+L"), self, self.search_bar.focus_field).setWhatsThis("Go to the search field")

    def _connect(self) -> None:
        s = self.session
        self.search_bar.queryChanged.connect(self.run_query)
        self.grid.useAsReference.connect(lambda p: self.search_bar.use_reference(p, keep_text=True))
        self.grid.moreLikeThis.connect(lambda p: self.search_bar.use_reference(p, keep_text=False))
        self.grid.previewRequested.connect(self.preview)
        self.welcome.addFolder.connect(self.library_panel.choose_folder)
        s.searchStarted.connect(lambda _q: self.search_bar.show_searching())
        s.searchDone.connect(self.show_results)
        s.pageDone.connect(self.add_page)
        self.results.moreWanted.connect(s.fetch_more)
        self.filter_bar.filtersChanged.connect(s.set_filters)
        self.filter_bar.filtersChanged.connect(
            lambda _: self.library_panel.mark_folders(self.filter_bar.choice.folders)
        )
        self.library_panel.folderClicked.connect(self.filter_bar.toggle_folder)
        s.searchStarted.connect(lambda _q: self.library_panel.mark_folders(self.filter_bar.choice.folders))
        s.searchFailed.connect(self.show_search_error)
        s.rootsChanged.connect(self._on_roots)
        s.contentChanged.connect(s.rerun)
        s.modelUnavailable.connect(self.show_model_unavailable)
        s.modelStateChanged.connect(lambda _: self.update_view())
        s.indexer.stateChanged.connect(lambda _: self.update_view())
        s.demoReady.connect(self.prefill_demo)
        self.search_bar.offerActivated.connect(self._on_offer)
        s.combiner_training.changed.connect(self.update_offer)
        s.combiner_training.finished.connect(
            lambda model: self.statusBar().showMessage(f"Composed search now uses the new Combiner for {model}", 10000)
        )

    def _connect_loupe(self) -> None:
        loupe = self.loupe
        loupe.useAsReference.connect(lambda p: self.search_bar.use_reference(p, keep_text=True))
        loupe.moreLikeThis.connect(lambda p: self.search_bar.use_reference(p, keep_text=False))
        loupe.rowChanged.connect(self.grid.select_row)  # the grid's selection follows the loupe
        loupe.closed.connect(self._loupe_closed)
        loupe.failed.connect(lambda text: self.statusBar().showMessage(text, 6000))

    def _loupe_closed(self, row: int) -> None:
        self.grid.setFocus()
        if 0 <= row < self.results.rowCount():
            self.grid.scrollTo(self.results.index(row))

    # -- searching ----------------------------------------------------------------------------------

    def run_query(self, text: str, image: object) -> None:
        self.session.search(text, image if isinstance(image, str) else None)

    def show_results(self, query: Query, result: Found) -> None:
        """A first page of results. The same query again (the library changed) keeps the place and selection."""
        shown, self._shown = self._shown, query
        again = shown is not None and (shown.text, shown.image, shown.filters) == (
            query.text,
            query.image,
            query.filters,
        )
        place = self.grid.place() if again else None
        self._last_result = result
        browsing = result.mode == "browse"
        if browsing:  # newest first under month headers, paged in as the grid scrolls
            self.results.set_hits(result.hits, None, by_date=True, total=result.matches)
        else:  # matches, then the weaker photos below a divider; paged while there are more matches
            self.results.set_hits(result.hits, result.matches, total=result.matches)
        self.search_bar.show_result(result)
        self.update_offer()
        if place is not None:
            self.grid.restore_place(place)
        elif result.hits:
            self.grid.scrollToTop()
            selection = self.grid.selectionModel()
            selection.setCurrentIndex(self.results.index(0), selection.SelectionFlag.NoUpdate)
        self.update_view()

    def add_page(self, query: Query, result: Found | None) -> None:
        """A later page of the results on screen (None: it could not be read)."""
        if query is not self._shown:
            return
        if result is None:
            self.results.fetch_failed()
        else:
            self.results.append_hits(result.hits)

    def show_search_error(self, query: Query, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, ReframeError) else f"Search failed: {exc}"
        self.search_bar.show_message(text)
        if isinstance(exc, ModelUnavailable):
            self.update_view()

    def update_offer(self) -> None:
        """Beside the note of a composed search without a Combiner: offer to train one, or show the run."""
        training = self.session.combiner_training
        self.train_action.setEnabled(self.can_train and not training.running)
        if training.running:
            running = f"Training a Combiner in the background: {training.step} · <a href='cancel'>Stop</a>"
            self.search_bar.set_offer(running, "Stopping keeps what is done; training resumes from there next time.")
            return
        result = self._last_result
        if result is None or result.mode != "sum" or not result.note:
            self.search_bar.set_offer(None)  # a Combiner (shipped or trained) answered, or not composed
        elif not self.can_train:
            command = html.escape(TORCH_EXTRA, quote=False)
            self.search_bar.set_offer(f"Training a Combiner needs PyTorch: <code>{command}</code>", NO_TORCH_TIP)
        elif training.state == FAILED and training.model == self.session.model_name:
            error = html.escape(training.error or "unknown error")
            self.search_bar.set_offer(f"Training failed: {error} · <a href='train'>Try again</a>", TRAIN_TIP)
        else:
            verb = "Resume training" if training.can_resume() else "Train"
            self.search_bar.set_offer(f"<a href='train'>{verb} a Combiner in the background</a>", TRAIN_TIP)

    def _on_offer(self, link: str) -> None:
        if link == "train":
            self.start_training()
        elif link == "cancel":
            self.session.combiner_training.cancel()

    def start_training(self) -> None:
        start_training(self.session, self)  # asks first where the model has a Combiner already

    def clear_search(self) -> None:
        """Escape: the text, then the reference, one press each (never both at once)."""
        self.search_bar.clear_step()
        self.search_bar.focus_field()

    def paste_reference(self) -> None:
        self.search_bar.paste()  # a paste that gives no reference says why in the status bar (Chrome)

    def prefill_demo(self, demo: object) -> None:
        from desktop.shapes.demo import COMPOSED_TEXT

        self.search_bar.set_query(COMPOSED_TEXT, getattr(demo, "reference", None))
        self.search_bar.field.setFocus()
        self.search_bar.field.deselect()

    def preview(self, row: int) -> None:
        self.loupe.open_at(row)

    # -- which view ---------------------------------------------------------------------------------

    def _on_roots(self, _roots: object) -> None:
        self._roots_known = True
        self.update_view()

    def update_view(self) -> None:
        s = self.session
        query = s.latest_query
        has_query = query is not None and not query.empty
        if self._roots_known and not s.roots and not has_query:
            self.stack.setCurrentWidget(self.welcome)
        elif self.results.rowCount() > 0:
            self.stack.setCurrentWidget(self.grid)
        else:
            self.stack.setCurrentWidget(self.empty)
            if s.model_state == UNAVAILABLE:
                self.empty.show_text(
                    "The model is not available",
                    "Searching needs the model's weights. Use File › Settings to pick another model, or "
                    "choose a weights file from the dialog.",
                )
                self.empty.set_action("What Is Wrong…" if self.model_error is not None else None)
            elif self._last_result is not None and s.indexer.state == INDEXING:
                self.empty.show_text("Still indexing…", "Results appear here as your photos are indexed.")
            elif self._last_result is not None and s.library_size == 0:
                self.empty.show_text("Nothing indexed yet", "Results appear as your folders are indexed.")
            elif self._last_result is not None and self._last_result.filters.active:
                self.empty.show_text("No photos pass the filters", "Widen the date range, or remove a filter.")
            elif self._last_result is not None and not has_query:
                self.empty.show_text(
                    "What are you looking for?",
                    "Describe a photo, drop a photo in the box at the top left to find similar ones, or do both "
                    "to find a photo like it but changed.",
                )
            elif self._last_result is not None:
                self.empty.show_text("No matches", "Try other words, or another reference photo.")
            else:
                self.empty.show_text("Searching…")
        # Nothing to filter on the welcome page (no folders yet).
        self.filter_bar.setVisible(self.stack.currentWidget() is not self.welcome)

    # -- model and settings -------------------------------------------------------------------------

    def show_model_unavailable(self, error: ModelUnavailable) -> None:
        self.model_error = error
        if self.model_dialog is not None and self.model_dialog.isVisible():
            return
        dialog = ModelUnavailableDialog(self.session.model_name, error, self)
        dialog.weightsChosen.connect(lambda path: self.session.reopen(weights=Path(path)))
        dialog.settingsRequested.connect(self.open_settings)
        self.model_dialog = dialog
        dialog.open()
        self.update_view()

    def reopen_model_dialog(self) -> None:
        """The model dialog again, after it was closed (the empty state's button)."""
        if self.model_error is not None and self.session.model_state == UNAVAILABLE:
            self.show_model_unavailable(self.model_error)

    def model_status(self, name: str) -> str:
        """Whether model ``name`` is bundled, downloaded into this library, or missing (for Settings)."""
        from desktop.models.loader import weights_status

        lib = self.session.library
        return weights_status(name, lib.paths) if lib is not None else ""

    def current_settings(self) -> Settings:
        lib = self.session.library
        return Settings(
            model=self.session.model_name,
            device=self.session.inference.device or "",
            backend=self.session.inference.backend or "",
            precision=self.session.inference.precision or "fp32",
            thumbnail_size=self.results.thumbnail_size,
            thumbnail_cache_mb=self.session.thumbnail_cache_mb,
            results=self.session.result_count,
            excluded=lib.excluded() if lib else [],
        )

    def open_settings(self) -> None:
        before = self.current_settings()
        dialog = SettingsDialog(before, self, model_status=self.model_status)
        dialog.accepted.connect(lambda: self.apply_settings(before, dialog.value()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def apply_settings(self, before: Settings, after: Settings) -> None:
        s = self.session
        if after.thumbnail_size != before.thumbnail_size:
            s.set_setting(SETTING_THUMB, str(after.thumbnail_size))
            self.thumb_size.set_size(after.thumbnail_size, save=False)
        if after.thumbnail_cache_mb != before.thumbnail_cache_mb:
            s.set_setting(SETTING_THUMB_CACHE, str(after.thumbnail_cache_mb))
            s.prune_thumbnails(after.thumbnail_cache_mb)
        if after.results != before.results:
            s.set_setting(SETTING_RESULTS, str(after.results))
            s.result_count = after.results
            s.rerun()
        if after.excluded != before.excluded:
            s.set_excluded(after.excluded)
        inference = Inference.of(after.device, after.backend, after.precision)
        if after.model != before.model or inference != s.inference:
            s.reopen(model=after.model, inference=inference)  # stores device, backend and precision once open

    # -- window events ------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()) or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        folders = [p for p in paths if p.is_dir()]
        for folder in folders:
            self.session.add_root(folder)
        if folders or self.search_bar.well.accept_mime(event.mimeData()):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self.chrome.stop()
        self.thumb_size.flush()
        self.loupe.stop()
        self.selection_actions.stop()
        self.loader.stop()
        self.well_loader.stop()
        self.session.shutdown()
