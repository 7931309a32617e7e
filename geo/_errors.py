"""Errors raised by the geo package.

Every message names the input (file, row or column), what was received and how to fix it,
so the CLI can print it as one line and the app can show it in an error box.
"""

from __future__ import annotations

from pathlib import Path


class PlekwijzerError(ValueError):
    """The root of every expected failure: the front ends catch this one class.

    The CLI prints the message as one line and exits with code 2; the app shows it in an
    error box and keeps the rest of the page working. Anything else is a bug.
    """


class PlekwijzerInputError(PlekwijzerError):
    """Bad input data: a file, a column, a row or a CRS that cannot be used.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    source
        The file (or upload) the problem was found in, if any.
    """

    def __init__(self, message: str, *, source: str | Path | None = None) -> None:
        self.source = None if source is None else str(source)
        prefix = f"{Path(self.source).name}: " if self.source else ""
        super().__init__(prefix + message)


class MissingColumnError(PlekwijzerInputError):
    """A required column is absent."""


class CRSError(PlekwijzerInputError):
    """A layer has no CRS or a CRS that does not match."""


class GeometryError(PlekwijzerInputError):
    """A geometry is missing, invalid or of the wrong type."""


class EmptyInputError(PlekwijzerInputError):
    """A file or layer holds no rows."""


class UnknownValueError(PlekwijzerInputError):
    """A value outside a controlled vocabulary (e.g. an unknown facility type)."""


class DataDirError(PlekwijzerInputError):
    """The data directory is missing or lacks a file a command needs."""


class OfflineError(PlekwijzerInputError):
    """A network fetch was asked for but the network cannot be reached."""
