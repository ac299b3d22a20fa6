"""The desktop app: the only package that imports Qt.

``app`` starts it; ``window`` assembles the widgets; ``session`` is the app's view of one open library;
``worker`` is the one way work leaves the main thread; ``indexer`` is the writer lane.
"""
