"""Errors a user can act on. Each carries the text to show and the exit status for the command line."""

from __future__ import annotations


class ReframeError(Exception):
    """An error with a message meant for people, not a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UsageError(ReframeError):
    """Bad arguments or input from the user."""

    exit_code = 2


class ModelUnavailable(ReframeError):
    """Weights for a model are missing and cannot be fetched (offline, blocked, bad checksum)."""

    exit_code = 2


class LibraryError(ReframeError):
    """The library directory cannot be used (newer schema, unwritable, locked)."""

    exit_code = 2


class ImageError(ReframeError):
    """One image could not be read. Indexing records the reason and goes on."""


class MissingExtra(ReframeError):
    """A feature needs an optional part of the installation (the ``torch`` extra) that is not installed."""

    exit_code = 2
