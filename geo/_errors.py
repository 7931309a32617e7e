"""Errors raised by the geo package.

Every message names the input (file, row or column), what was received and how to fix it,
so the CLI can print it as one line and the app can show it in an error box.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


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


def describe_rows(
    frame: pd.DataFrame, mask: pd.Series, *, id_column: str | None = None, limit: int = 5
) -> str:
    """Name the first rows selected by ``mask`` (by position and id) for a message.

    Parameters
    ----------
    frame
        The table the rows belong to.
    mask
        Boolean, aligned to ``frame``: the rows to name.
    id_column
        Column whose value is named beside each row number, if present.
    limit
        Most rows named; the rest are counted (``"and 3 more"``).

    Returns
    -------
    str
        E.g. ``"rij 2 (id A7), rij 5 (id B1) en nog 3"``; rows are numbered from 1.
    """
    positions = mask.to_numpy().nonzero()[0]
    labels = []
    for pos in positions[:limit]:
        label = f"rij {pos + 1}"
        if id_column and id_column in frame.columns:
            label += f" (id {frame.iloc[pos][id_column]})"
        labels.append(label)
    more = f" en nog {len(positions) - limit}" if len(positions) > limit else ""
    return ", ".join(labels) + more


def parse_failure(err: Exception) -> str:
    """Say where a JSON or TOML parser stopped, in Dutch, for a message.

    The parsers word their errors in English (``Invalid value (at line 3, column 8)``);
    the line and column are what a user needs to find the fault.

    Parameters
    ----------
    err
        A :class:`json.JSONDecodeError`, a :class:`tomllib.TOMLDecodeError`, a
        :class:`UnicodeDecodeError` or any error.

    Returns
    -------
    str
        E.g. ``"regel 3, kolom 8"``; the error's own text when it names no position.

    Examples
    --------
    >>> import tomllib
    >>> try:
    ...     tomllib.loads("a = ?")
    ... except tomllib.TOMLDecodeError as err:
    ...     parse_failure(err)
    'regel 1, kolom 5'
    """
    if isinstance(err, UnicodeDecodeError):
        return f"geen UTF-8-tekst (byte {err.start + 1})"
    if "at end of document" in str(err):
        return "aan het eind van het bestand"
    line, column = getattr(err, "lineno", None), getattr(err, "colno", None)
    if line is None:
        found = re.search(r"\bline (\d+), column (\d+)", str(err))
        line, column = (found.group(1), found.group(2)) if found else (None, None)
    return f"regel {line}, kolom {column}" if line is not None else str(err)
