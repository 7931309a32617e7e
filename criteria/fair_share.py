"""Fair-share keys: each gemeente's share of a region's places, for the regional plan.

A key is data (``data/fair_share.toml``, see its header for the formula) or a user CSV of
shares per gemeente. :func:`key_shares` turns a key and the region's gemeenten (inhabitants,
draagkracht) into shares that sum to 1; :mod:`criteria.plan` turns shares into targets.

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame(
...     {"code": ["GM1", "GM2"], "inhabitants": [30_000, 10_000], "draagkracht": [0.5, 0.7]}
... )
>>> key_shares(load_key("inwoners"), units).round(2).tolist()
[0.75, 0.25]
>>> key_shares(load_key("draagkracht"), units).round(3).tolist()
[0.682, 0.318]
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo import nlformat
from geo._errors import MissingColumnError, PlekwijzerInputError, parse_failure
from geo._read import read_csv
from geo.paths import project_file

__all__ = ["FairShareKey", "key_names", "key_shares", "load_key", "shares_from_csv"]

#: The shipped keys.
DEFAULT_KEYS_PATH = project_file("fair_share.toml")


@dataclass(frozen=True)
class FairShareKey:
    """A fair-share key: a named formula, or a user CSV of shares.

    Attributes
    ----------
    name
        ``inwoners``, ``draagkracht`` (or another name of the TOML), or the CSV path.
    label, description
        Dutch text for the user.
    draagkracht_correction
        Strength ``c`` in [0, 1] of the draagkracht correction.
    factor_min, factor_max
        Clip range of the correction factor.
    path
        The user CSV, when the key is one (then the other fields are not used).
    """

    name: str
    label: str
    description: str = ""
    draagkracht_correction: float = 0.0
    factor_min: float = 1.0
    factor_max: float = 1.0
    path: str | None = None


def _read_keys(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        msg = (
            f"kan de sleutels voor de eerlijke verdeling niet lezen ({parse_failure(err)}); "
            "verbeter de TOML-schrijfwijze."
        )
        raise PlekwijzerInputError(msg, source=path) from err
    keys = data.get("keys")
    if not isinstance(keys, dict) or not keys:
        msg = "geen tabellen [keys.NAAM]; zie data/fair_share.toml voor de indeling."
        raise PlekwijzerInputError(msg, source=path)
    return keys


def key_names(path: str | Path | None = None) -> list[str]:
    """Return the names of the keys in the TOML file (default: the shipped keys).

    Parameters
    ----------
    path
        A keys TOML; None for ``data/fair_share.toml``.

    Returns
    -------
    list of str
    """
    return list(_read_keys(Path(path) if path else DEFAULT_KEYS_PATH))


def load_key(spec: str, *, path: str | Path | None = None) -> FairShareKey:
    """Return a key by name, or a user key for a CSV file of shares.

    Parameters
    ----------
    spec
        A key name of the TOML (``inwoners``, ``draagkracht``) or the path of a CSV with
        columns ``gemeentecode`` and ``share``.
    path
        The keys TOML; None for ``data/fair_share.toml``.

    Returns
    -------
    FairShareKey

    Raises
    ------
    PlekwijzerInputError
        For an unknown name, a missing CSV, or a key whose numbers are out of range.
    """
    source = Path(path) if path else DEFAULT_KEYS_PATH
    keys = _read_keys(source)
    if spec in keys:
        entry = keys[spec]
        try:
            key = FairShareKey(
                name=spec,
                label=str(entry.get("label", spec)),
                description=str(entry.get("description", "")),
                draagkracht_correction=float(entry.get("draagkracht_correction", 0.0)),
                factor_min=float(entry.get("factor_min", 0.0)),
                factor_max=float(entry.get("factor_max", math.inf)),
            )
        except (TypeError, ValueError) as err:
            msg = f"sleutel {spec!r}: een getal is geen getal ({err}); verbeter de TOML."
            raise PlekwijzerInputError(msg, source=source) from err
        if not 0 <= key.draagkracht_correction <= 1 or not 0 <= key.factor_min <= key.factor_max:
            msg = (
                f"sleutel {spec!r}: draagkracht_correction moet tussen 0 en 1 liggen en 0 ≤ "
                "factor_min ≤ factor_max; verbeter de TOML."
            )
            raise PlekwijzerInputError(msg, source=source)
        return key
    if spec.lower().endswith(".csv") or Path(spec).is_file():
        if not Path(spec).is_file():
            msg = (
                "CSV voor de eerlijke verdeling niet gevonden; controleer het pad (kolommen "
                "gemeentecode,share)."
            )
            raise PlekwijzerInputError(msg, source=spec)
        return FairShareKey(
            name=str(spec), label=f"Eigen verdeling ({Path(spec).name})", path=str(spec)
        )
    msg = (
        f"onbekende verdeelsleutel {spec!r}: gebruik {', '.join(keys)} of een CSV-bestand met de "
        "kolommen gemeentecode,share."
    )
    raise PlekwijzerInputError(msg)


def shares_from_csv(path: str | Path, *, gemeenten: list[str]) -> pd.Series:
    """Read a user key: one share per gemeente of the region, normalised to sum 1.

    Parameters
    ----------
    path
        CSV with columns ``gemeentecode`` and ``share`` (``,``/``;``/tab; ``0,25`` or
        ``0.25``; shares may be percentages or any weights: they are normalised).
    gemeenten
        The region's gemeente codes: every one needs a row, and no other code may appear.

    Returns
    -------
    pandas.Series
        Named ``share``, indexed by gemeentecode in the order of ``gemeenten``.

    Raises
    ------
    PlekwijzerInputError
        Naming the file, the row and the column: a missing column, an unknown or repeated
        code, a share that is empty or negative, or shares that sum to 0.
    """
    frame = read_csv(path, numeric=["share"])
    columns = {c.lower(): c for c in frame.columns}
    for needed in ("gemeentecode", "share"):
        if needed not in columns:
            msg = (
                f"kolom '{needed}' ontbreekt (gevonden: {', '.join(frame.columns)}); een CSV voor "
                "de eerlijke verdeling heeft de kolommen gemeentecode,share."
            )
            raise MissingColumnError(msg, source=path)
    codes = frame[columns["gemeentecode"]].astype("string").str.strip().str.upper()
    shares = frame[columns["share"]].astype(float)
    for row, (code, share) in enumerate(zip(codes, shares, strict=True), start=2):
        where = f"rij {row}, kolom"
        if pd.isna(code) or code not in gemeenten:
            msg = (
                f"{where} 'gemeentecode': {code!r} is geen gemeente van de regio "
                f"({', '.join(gemeenten)}); verbeter of verwijder de rij."
            )
            raise PlekwijzerInputError(msg, source=path)
        if not np.isfinite(share) or share < 0:
            msg = f"{where} 'share': {nlformat.given(share)} voor {code}; geef een aandeel ≥ 0."
            raise PlekwijzerInputError(msg, source=path)
    repeated = codes[codes.duplicated()]
    if len(repeated):
        row = int(repeated.index[0]) + 2
        msg = (
            f"rij {row}, kolom 'gemeentecode': {repeated.iloc[0]} staat er twee keer; houd één rij "
            "over."
        )
        raise PlekwijzerInputError(msg, source=path)
    if missing := [g for g in gemeenten if g not in set(codes)]:
        msg = (
            f"kolom 'gemeentecode': geen rij voor {', '.join(missing)}; geef elke gemeente van de "
            "regio een aandeel (0 mag)."
        )
        raise PlekwijzerInputError(msg, source=path)
    total = float(shares.sum())
    if total <= 0:
        msg = (
            "kolom 'share': de aandelen tellen op tot 0; geef minstens één gemeente een aandeel "
            "boven 0."
        )
        raise PlekwijzerInputError(msg, source=path)
    by_code = pd.Series(shares.to_numpy() / total, index=codes.to_numpy(), name="share")
    return by_code.reindex(gemeenten).rename_axis("gemeentecode")


def key_shares(key: FairShareKey, units: pd.DataFrame) -> pd.Series:
    """Return each gemeente's share under a key.

    Parameters
    ----------
    key
        The key (:func:`load_key`).
    units
        One row per gemeente of the region: ``code``, ``inhabitants`` and (for a key with a
        draagkracht correction) ``draagkracht`` in [0, 1], NaN when unknown.

    Returns
    -------
    pandas.Series
        Named ``share``, indexed by gemeentecode in the order of ``units``; sums to 1.

    Raises
    ------
    PlekwijzerInputError
        When the region has no inhabitants (a formula key), or for a bad user CSV.
    """
    codes = [str(c) for c in units["code"]]
    if key.path is not None:
        return shares_from_csv(key.path, gemeenten=codes)
    h = pd.Series(
        pd.to_numeric(units["inhabitants"], errors="coerce").fillna(0.0).to_numpy(float),
        index=codes,
    )
    factor = pd.Series(1.0, index=codes)
    c = key.draagkracht_correction
    if c > 0 and "draagkracht" in units.columns:
        d = pd.Series(units["draagkracht"].to_numpy(float), index=codes)
        known = d.notna() & (h > 0)
        d_bar = float((h[known] * d[known]).sum() / h[known].sum()) if known.any() else 0.0
        if d_bar > 0:
            raw = ((1 - c) + c * d / d_bar).clip(key.factor_min, key.factor_max)
            factor = raw.fillna(1.0)
    weight = h * factor
    if weight.sum() <= 0:
        msg = (
            f"sleutel {key.name!r}: de regio heeft geen inwoners, dus er is geen aandeel te "
            "berekenen."
        )
        raise PlekwijzerInputError(msg)
    return (weight / weight.sum()).rename("share").rename_axis("gemeentecode")
