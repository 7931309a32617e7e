"""Numbers as people type them: decimal comma or point, with or without thousands separators.

Dutch spreadsheets write ``12.500`` for twelve thousand five hundred and ``1,5`` for one and a
half; international ones write ``12,500`` and ``1.5``. A value such as ``12.500`` is
ambiguous on its own, so the notation is decided once per column, with a default for the
whole file:

1. A column whose values show one notation unambiguously uses it. Evidence for the decimal
   comma: ``1,5``, ``1.234,5``, ``1.234.567``; for the decimal point: ``1.5``, ``0.500``,
   ``1,234.5``, ``1,234,567``. ``12.500`` and ``12,500`` (one group of three digits after a
   separator, a first group of 1–3 digits not starting with 0) are no evidence either way.
2. A column with evidence for both is refused, naming a row of each.
3. A column without evidence takes the file's notation: the one the file's other number
   columns show, if they agree; else the decimal comma in a ``;``-separated file (what Dutch
   Excel writes) and the decimal point otherwise.

So ``12.500`` in a ``;`` CSV with ``1,5`` elsewhere is 12500, and ``12.500`` in a ``,`` CSV
with ``1.5`` elsewhere is 12.5. Integers (``1200``) and exponents (``1e3``) read either way.

Digits of other scripts (Arabic-Indic ``١٢٥٠``, full-width ``１２５０``: every Unicode decimal
digit) are read as their Latin digits, and the typographic minus ``−`` as ``-``, with a
note; anything else that is not a number is refused naming the row.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo._errors import PlekwijzerInputError, describe_rows

COMMA, POINT = ",", "."

# [0-9], not \d: \d also matches digits of other scripts, which float parsing then rejects.
_D = "[0-9]"
_EXP = rf"(?:[eE][+-]?{_D}+)?"
_SIGN = r"[+-]?"
_INT = rf"{_SIGN}{_D}+{_EXP}"
_COMMA_DEC = rf"{_SIGN}{_D}*,{_D}+{_EXP}"
_POINT_DEC = rf"{_SIGN}{_D}*\.{_D}+{_EXP}"
# A single thousands group: 12.500 could be 12500 or 12.5.
_ONE_DOT_GROUP = rf"{_SIGN}[1-9]{_D}{{0,2}}\.{_D}{{3}}"
_ONE_COMMA_GROUP = rf"{_SIGN}[1-9]{_D}{{0,2}},{_D}{{3}}"
_DUTCH = rf"{_SIGN}[1-9]{_D}{{0,2}}(?:\.{_D}{{3}})+(?:,{_D}+)?{_EXP}"
_INTERNATIONAL = rf"{_SIGN}[1-9]{_D}{{0,2}}(?:,{_D}{{3}})+(?:\.{_D}+)?{_EXP}"
#: Unicode decimal digits live below U+1FC00 (the last block, segmented digits, ends at U+1FBF9).
_LAST_DIGIT_CODEPOINT = 0x1FC00

VALID = {
    COMMA: rf"{_INT}|{_COMMA_DEC}|{_DUTCH}",
    POINT: rf"{_INT}|{_POINT_DEC}|{_INTERNATIONAL}",
}


def evidence(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Masks of values that can only be read with a decimal comma, or a decimal point."""
    comma = (text.str.fullmatch(_COMMA_DEC) & ~text.str.fullmatch(_ONE_COMMA_GROUP)) | (
        text.str.fullmatch(_DUTCH) & ~text.str.fullmatch(_ONE_DOT_GROUP)
    )
    point = (text.str.fullmatch(_POINT_DEC) & ~text.str.fullmatch(_ONE_DOT_GROUP)) | (
        text.str.fullmatch(_INTERNATIONAL) & ~text.str.fullmatch(_ONE_COMMA_GROUP)
    )
    return comma.fillna(False).astype(bool), point.fillna(False).astype(bool)


def file_notation(frame: pd.DataFrame, columns: Iterable[str], *, separator: str) -> str:
    """Return the file's decimal separator: what its number columns agree on, else by separator."""
    commas = points = False
    for column in columns:
        text = _text(frame[column])
        comma, point = evidence(text)
        commas |= bool(comma.any())
        points |= bool(point.any())
    if commas != points:
        return COMMA if commas else POINT
    return COMMA if separator == ";" else POINT


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    *,
    default: str = POINT,
    source: str | Path | None = None,
    id_column: str | None = None,
) -> tuple[pd.Series, str | None]:
    """Parse a text column as float, deciding its notation (see module notes).

    Parameters
    ----------
    frame
        The table (rows are named from it in messages).
    column
        The column to parse.
    default
        The file's notation, for a column without evidence of its own.
    source
        The file, for messages.
    id_column
        Column naming rows in messages.

    Returns
    -------
    tuple of (pandas.Series, str or None)
        The numbers (NaN where empty), and a note when thousands separators were read
        (e.g. ``'12.500' read as 12500``), else None.

    Raises
    ------
    PlekwijzerInputError
        When the column mixes both notations, or holds a value that is not a number.
    """
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype(float), None
    text = _text(raw)
    # Non-ASCII values that validate were written in another script (_text translated them).
    foreign = ~raw.astype("string").str.isascii().fillna(True).astype(bool)
    comma, point = evidence(text)
    if comma.any() and point.any():
        first_comma = text[comma].iloc[0]
        first_point = text[point].iloc[0]
        msg = (
            f"kolom '{column}' mengt decimale komma's ({first_comma!r} in "
            f"{describe_rows(frame, comma, id_column=id_column, limit=1)}) en decimale punten "
            f"({first_point!r} in {describe_rows(frame, point, id_column=id_column, limit=1)}). "
            "Schrijf alle getallen in een kolom op dezelfde manier."
        )
        raise PlekwijzerInputError(msg, source=source)
    decimal = COMMA if comma.any() else POINT if point.any() else default
    present = text.notna()
    valid = text.str.fullmatch(VALID[decimal]).fillna(False).astype(bool)
    bad = present & ~valid
    if bad.any():
        rows = describe_rows(frame, bad, id_column=id_column)
        first = raw[bad].iloc[0]
        msg = (
            f"kolom '{column}' heeft een waarde die geen getal is ({first!r}) in {rows}: vul een "
            "getal in."
        )
        raise PlekwijzerInputError(msg, source=source)
    thousands = POINT if decimal == COMMA else COMMA
    grouped = text.str.contains(thousands, regex=False).fillna(False).astype(bool)
    canonical = text.str.replace(thousands, "", regex=False)
    if decimal == COMMA:
        canonical = canonical.str.replace(COMMA, POINT, regex=False)
    values = pd.Series(_to_float(canonical, column=column, source=source), index=raw.index)
    values = values.rename(column)
    notes = []
    if grouped.any():
        example = text[grouped].iloc[0]
        kind = "Nederlandse" if decimal == COMMA else "internationale"
        value = f"{values[grouped].iloc[0]:,.12g}".replace(",", " ").replace(".", ",")
        notes.append(
            f"kolom '{column}': {example!r} gelezen als {value.replace(' ', '.')} "
            f"({kind} notatie, {thousands!r} scheidt duizendtallen)."
        )
    if foreign.any():
        example = raw[foreign].iloc[0]
        notes.append(
            f"kolom '{column}': {example!r} gelezen als {values[foreign].iloc[0]:.12g} (cijfers "
            "of minteken uit een ander schrift) in "
            f"{describe_rows(frame, foreign, id_column=id_column, limit=3)}."
        )
    return values, " ".join(notes) or None


def _to_float(text: pd.Series, *, column: str, source: str | Path | None) -> np.ndarray:
    """Cast validated number text to floats in Arrow, without a Python object per value."""
    # pandas string arrays hand their Arrow data over without a copy (__arrow_array__).
    try:
        return pc.cast(pa.array(text.array), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        # Validation should have caught it: still one line, never an Arrow traceback.
        msg = f"kolom '{column}' heeft een waarde die geen getal is: gebruik alleen de cijfers 0-9."
        raise PlekwijzerInputError(msg, source=source) from exc


@functools.cache
def _latin_table() -> dict[int, str]:
    """Map every Unicode decimal digit to its Latin digit, and the minus sign to ``-``."""
    table = {0x2212: "-"}
    for codepoint in range(0x80, _LAST_DIGIT_CODEPOINT):
        digit = unicodedata.decimal(chr(codepoint), None)
        if digit is not None:
            table[codepoint] = str(digit)
    return table


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    other = ~text.str.isascii().fillna(True).astype(bool)
    if other.any():  # rare: the translation runs per value, on those values only
        text = text.copy()
        text[other] = text[other].map(lambda v: v.translate(_latin_table()))
    return text.mask(text == "", pd.NA)
