"""Per-row texts that take a handful of values, stored as categoricals.

A feature table of 1,000,000 candidates carries, per measured-or-estimated feature, a
``source__`` label and a Dutch ``note__``. Stored as strings, every row holds its own copy (a
note of 100 characters costs 100 MB a column); stored as a categorical, a row holds a small
integer code and each distinct text is kept once. Readers see the same values (``.str``,
comparisons, ``to_numpy()`` give the texts).

Examples
--------
>>> text_column(np.array(["ver", np.nan, "ver"], dtype=object)).tolist()
['ver', nan, 'ver']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Every ``source__`` label (see :data:`criteria.constraints.SOURCES`): all are categories,
#: so filling an empty cell with ``"measured"`` works on any source column.
SOURCE_LABELS = ("measured", "network", "estimate", "straight_line")


def source_column(values: np.ndarray) -> pd.Categorical:
    """Return ``source__`` labels as a categorical over :data:`SOURCE_LABELS`.

    Examples
    --------
    >>> source_column(np.array(["measured", "estimate"])).codes.tolist()
    [0, 2]
    """
    return pd.Categorical(values, categories=_categories(SOURCE_LABELS))


def choice_column(choices: np.ndarray, texts: list[str]) -> pd.Categorical:
    """Return ``texts[choice]`` per row (-1 for missing) without a string per row.

    Examples
    --------
    >>> choice_column(np.array([1, -1, 0]), ["near", "far"]).tolist()
    ['far', nan, 'near']
    """
    unique, position = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    codes = np.where(choices >= 0, position[np.maximum(choices, 0)], -1)
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=_categories(unique))


def text_column(values: np.ndarray) -> pd.Categorical:
    """Return per-row texts (NaN for none) as a categorical over the distinct texts."""
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=_categories(uniques))


def _categories(texts: object) -> pd.Index:
    # Object categories, not Arrow strings: turning the column into an array (the criteria
    # matrix does) then shares these few Python strings instead of making one per row.
    return pd.Index(list(texts), dtype=object)  # type: ignore[call-overload]
