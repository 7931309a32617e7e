"""Draagkracht: a composite index of a neighbourhood's capacity to absorb a facility.

Built like a composite indicator (DESIGN §2): each indicator column is optionally clipped
at quantiles, rescaled to [0, 1] with its direction (1 = more draagkracht), and the rescaled
values are combined with their weights by an arithmetic or a weighted geometric mean. The
indicator set, directions, weights and methods are data (``data/draagkracht.toml`` or a
profile section), not code.

Scaling methods, applied to ``direction * value`` over the units passed in (so the index is
relative to the region analysed):

``minmax``
    ``(v - min) / (max - min)``; a constant indicator scores 0.5 everywhere.
``percentile``
    percentile rank, the share of units with a value at or below this one (ties share
    their mean rank); in (0, 1], so a geometric mean never hits zero.
``rank``
    ``(rank - 1) / (n - 1)`` with tied units sharing their mean rank; in [0, 1]; a single
    unit scores 0.5.

Missing values: a unit lacking some indicators (NaN, e.g. CBS suppression in tiny buurten)
is averaged over the indicators it has, their weights renormalised to sum to 1; a unit
lacking all of them gets NaN.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from geo import nlformat
from geo._errors import MissingColumnError, PlekwijzerInputError, parse_failure
from geo._validate import check_file, require_columns
from geo.paths import project_file
from geo.spread import PER_INHABITANTS, FacilityType, facility_counts

__all__ = [
    "COMBINATIONS",
    "DEFAULT_CONFIG_PATH",
    "SCALINGS",
    "DraagkrachtConfig",
    "Indicator",
    "add_facilities_per_10k",
    "draagkracht_components",
    "draagkracht_config_from_dict",
    "draagkracht_index",
    "load_draagkracht_config",
]

#: The configuration shipped with the project.
DEFAULT_CONFIG_PATH = project_file("draagkracht.toml")
#: Rescaling methods an indicator can use.
SCALINGS = ("minmax", "percentile", "rank")
#: Ways to combine the rescaled indicators.
COMBINATIONS = ("arithmetic", "geometric")

_INDICATOR_KEYS = {
    "column",
    "direction",
    "weight",
    "scaling",
    "clip_lower_quantile",
    "clip_upper_quantile",
    "label",
    "rationale",
}
_TOP_KEYS = {"scaling", "combination", "indicators", "title", "description"}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the draagkracht index.

    Parameters
    ----------
    column
        Column of the units frame.
    direction
        ``1`` when a higher value means more draagkracht (benefit), ``-1`` when less (cost).
    weight
        Relative weight, >= 0; weights are normalised, 0 switches the indicator off.
    scaling
        One of :data:`SCALINGS`; ``None`` uses the configuration's default.
    clip_lower_quantile, clip_upper_quantile
        Clip the raw values at these quantiles before scaling, so that a few extreme units
        (tiny buurten with high crime rates) do not squash everyone else into a narrow band.
        Only changes ``minmax``; ranks do not move under clipping.
    label, rationale
        Text for the user interface; the label (Dutch) defaults to the column.
    """

    column: str
    direction: int
    weight: float
    scaling: str | None = None
    clip_lower_quantile: float | None = None
    clip_upper_quantile: float | None = None
    label: str = ""
    rationale: str = ""


@dataclass(frozen=True)
class DraagkrachtConfig:
    """Indicator set and methods of the draagkracht index.

    Parameters
    ----------
    indicators
        The indicators, in display order.
    scaling
        Default scaling method, one of :data:`SCALINGS`.
    combination
        ``"arithmetic"`` (weighted mean; indicators compensate each other) or
        ``"geometric"`` (weighted geometric mean; a unit scoring 0 on one indicator scores
        0 overall).
    source
        File the configuration came from, named in error messages.
    """

    indicators: tuple[Indicator, ...]
    scaling: str = "minmax"
    combination: str = "arithmetic"
    source: str | None = None


def _fail(message: str, source: str | Path | None) -> NoReturn:
    raise PlekwijzerInputError(message, source=source)


def _choice(value: Any, allowed: tuple[str, ...], *, where: str, source: str | None) -> str:
    if value not in allowed:
        _fail(f"{where} is {value!r}; gebruik een van {', '.join(allowed)}", source)
    return value


def _quantile(value: Any, *, where: str, source: str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        _fail(f"{where} is {value!r}; gebruik een kwantiel tussen 0 en 1, bijv. 0.99", source)
    return float(value)


def _indicator_from_dict(item: Any, position: int, source: str | None) -> Indicator:
    where = f"indicator {position}"
    if not isinstance(item, Mapping):
        _fail(f"{where} is geen tabel; schrijf haar als [[indicators]] met column = ...", source)
    unknown = sorted(set(item) - _INDICATOR_KEYS)
    if unknown:
        _fail(
            f"{where} heeft onbekende sleutel(s) {', '.join(unknown)}; "
            f"toegestaan: {', '.join(sorted(_INDICATOR_KEYS))}",
            source,
        )
    column = item.get("column")
    if not isinstance(column, str) or not column:
        _fail(f'{where} heeft een kolomnaam nodig (column = "...")', source)
    where = f"indicator '{column}'"
    direction = item.get("direction", 1)
    if isinstance(direction, bool) or direction not in (1, -1):
        _fail(
            f"{where}: direction is {direction!r}; gebruik 1 (hoger is beter) of -1 "
            "(lager is beter)",
            source,
        )
    weight = item.get("weight", 1.0)
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not (math.isfinite(weight) and weight >= 0)
    ):
        _fail(f"{where}: weight is {nlformat.given(weight)}; gebruik een getal ≥ 0", source)
    scaling = item.get("scaling")
    if scaling is not None:
        _choice(scaling, SCALINGS, where=f"{where}: scaling", source=source)
    lower = _quantile(
        item.get("clip_lower_quantile"), where=f"{where}: clip_lower_quantile", source=source
    )
    upper = _quantile(
        item.get("clip_upper_quantile"), where=f"{where}: clip_upper_quantile", source=source
    )
    if lower is not None and upper is not None and lower >= upper:
        _fail(
            f"{where}: clip_lower_quantile {nlformat.given(lower)} moet kleiner zijn dan "
            f"clip_upper_quantile {nlformat.given(upper)}",
            source,
        )
    return Indicator(
        column=column,
        direction=int(direction),
        weight=float(weight),
        scaling=scaling,
        clip_lower_quantile=lower,
        clip_upper_quantile=upper,
        label=str(item.get("label") or column),
        rationale=str(item.get("rationale", "")),
    )


def draagkracht_config_from_dict(
    data: Mapping[str, Any], *, source: str | Path | None = None
) -> DraagkrachtConfig:
    """Validate a draagkracht configuration given as a mapping (e.g. a profile section).

    Parameters
    ----------
    data
        ``{"scaling": ..., "combination": ..., "indicators": [{"column": ..., ...}, ...]}``,
        the layout of ``data/draagkracht.toml``.
    source
        File the mapping came from, named in error messages.

    Returns
    -------
    DraagkrachtConfig
        The validated configuration.
    """
    src = None if source is None else str(source)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        _fail(
            f"onbekende sleutel(s) {', '.join(unknown)}; "
            f"toegestaan: {', '.join(sorted(_TOP_KEYS))}",
            src,
        )
    scaling = _choice(data.get("scaling", "minmax"), SCALINGS, where="scaling", source=src)
    combination = _choice(
        data.get("combination", "arithmetic"), COMBINATIONS, where="combination", source=src
    )
    items = data.get("indicators")
    if not isinstance(items, list) or not items:
        _fail("geen indicatoren; voeg minstens één tabel [[indicators]] met een column toe", src)
    indicators = tuple(_indicator_from_dict(item, i, src) for i, item in enumerate(items, 1))
    columns = [ind.column for ind in indicators]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        _fail(
            f"indicatorkolom(men) {', '.join(repeated)} staan er twee keer; noem elke één keer", src
        )
    if not any(ind.weight > 0 for ind in indicators):
        _fail(
            "alle gewichten van de indicatoren zijn 0; geef er minstens één een gewicht boven 0",
            src,
        )
    return DraagkrachtConfig(indicators, scaling=scaling, combination=combination, source=src)


def load_draagkracht_config(path: str | Path | None = None) -> DraagkrachtConfig:
    """Read and validate a draagkracht configuration file (TOML).

    Parameters
    ----------
    path
        TOML file; ``None`` reads :data:`DEFAULT_CONFIG_PATH`.

    Returns
    -------
    DraagkrachtConfig
        The validated configuration, remembering its file for error messages.
    """
    path = check_file(DEFAULT_CONFIG_PATH if path is None else path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = (
            f"niet te lezen als TOML ({parse_failure(exc)}). Verbeter de schrijfwijze; zie "
            "data/draagkracht.toml."
        )
        raise PlekwijzerInputError(msg, source=path) from exc
    return draagkracht_config_from_dict(data, source=path)


def _resolve(config: DraagkrachtConfig | Mapping[str, Any] | None) -> DraagkrachtConfig:
    if config is None:
        return load_draagkracht_config()
    if isinstance(config, DraagkrachtConfig):
        return config
    return draagkracht_config_from_dict(config)


def _scale(values: pd.Series, indicator: Indicator, method: str) -> pd.Series:
    """Rescale one indicator to [0, 1] with 1 meaning more draagkracht."""
    lower, upper = indicator.clip_lower_quantile, indicator.clip_upper_quantile
    if values.notna().any() and (lower is not None or upper is not None):
        values = values.clip(
            lower=None if lower is None else values.quantile(lower),
            upper=None if upper is None else values.quantile(upper),
        )
    oriented = values * indicator.direction
    if method == "minmax":
        low, high = oriented.min(), oriented.max()
        if not high > low:
            return oriented.where(oriented.isna(), 0.5)
        return (oriented - low) / (high - low)
    if method == "percentile":
        return oriented.rank(method="average", pct=True)
    n = oriented.notna().sum()
    if n <= 1:
        return oriented.where(oriented.isna(), 0.5)
    return (oriented.rank(method="average") - 1) / (n - 1)


def draagkracht_components(
    units: pd.DataFrame, *, config: DraagkrachtConfig | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Each indicator rescaled to [0, 1] (1 = more draagkracht), before weighting.

    Parameters
    ----------
    units
        Units (usually buurten) with the configured indicator columns.
    config
        A :class:`DraagkrachtConfig`, a mapping in its file layout, or ``None`` for
        ``data/draagkracht.toml``.

    Returns
    -------
    pandas.DataFrame
        One column per indicator with weight > 0 (named after its column), aligned to
        ``units.index``; NaN where the raw value is missing. This is the "why" behind
        :func:`draagkracht_index`.
    """
    cfg = _resolve(config)
    active = [ind for ind in cfg.indicators if ind.weight > 0]
    source = cfg.source or "de draagkrachtinstellingen"
    scaled = {}
    for ind in active:
        if ind.column not in units.columns:
            hint = (
                " Voeg haar toe met geo.draagkracht.add_facilities_per_10k(units, facilities)."
                if ind.column == "facilities_per_10k"
                else ""
            )
            msg = (
                f"kolom '{ind.column}', genoemd in {source}, staat niet in de tabel van "
                f"gebieden.{hint} Of haal de indicator weg (of zet zijn gewicht op 0) in de "
                "instellingen."
            )
            raise MissingColumnError(msg, source=cfg.source)
        raw = pd.to_numeric(units[ind.column], errors="coerce").astype(float)
        bad = units[ind.column].notna() & raw.isna()
        if bad.any():
            msg = (
                f"kolom '{ind.column}' (genoemd in {source}) heeft een waarde die geen getal is "
                f"({units[ind.column][bad].iloc[0]!r}); gebruik getallen, NaN voor onbekend."
            )
            raise PlekwijzerInputError(msg, source=cfg.source)
        raw = raw.where(np.isfinite(raw))
        scaled[ind.column] = _scale(raw, ind, ind.scaling or cfg.scaling)
    return pd.DataFrame(scaled, index=units.index)


def draagkracht_index(
    units: pd.DataFrame, *, config: DraagkrachtConfig | Mapping[str, Any] | None = None
) -> pd.Series:
    """Draagkracht per unit in [0, 1]: the weighted mean of the rescaled indicators.

    ``arithmetic``: ``sum_k w_k s_k / sum_k w_k``; ``geometric``:
    ``prod_k s_k ** (w_k / sum_k w_k)``; both over the indicators the unit has (see module
    notes), where ``s_k`` comes from :func:`draagkracht_components`.

    Parameters
    ----------
    units
        Units (usually buurten) with the configured indicator columns. The scaling is
        relative to these units, so pass the whole region at once.
    config
        A :class:`DraagkrachtConfig`, a mapping in its file layout, or ``None`` for
        ``data/draagkracht.toml``.

    Returns
    -------
    pandas.Series
        Named ``draagkracht``, aligned to ``units.index``; NaN where every indicator is
        missing.

    Raises
    ------
    MissingColumnError
        A configured column is absent; the message names it and the configuration file.
    """
    cfg = _resolve(config)
    components = draagkracht_components(units, config=cfg)
    weights = pd.Series({ind.column: ind.weight for ind in cfg.indicators if ind.weight > 0})
    present = components.notna()
    row_weight = present.mul(weights, axis=1).sum(axis=1)
    share = present.mul(weights, axis=1).div(row_weight.where(row_weight > 0), axis=0)
    if cfg.combination == "arithmetic":
        index = components.fillna(0.0).mul(share).sum(axis=1, min_count=1)
    else:
        # A power with exponent 0 is 1, so missing indicators drop out of the product; 0 ** w
        # is 0 without the divide-by-zero warning a log-sum would raise.
        powered = np.power(components.fillna(1.0).to_numpy(), share.fillna(0.0).to_numpy())
        index = pd.Series(powered.prod(axis=1), index=units.index)
    index = index.where(row_weight > 0, math.nan)
    # Renormalised weights can sum to 1 +- 1e-16; the index is documented to stay in [0, 1].
    return index.clip(0.0, 1.0).rename("draagkracht")


def add_facilities_per_10k(
    units: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    level_code_column: str = "buurtcode",
    facility_type: FacilityType = None,
) -> pd.DataFrame:
    """Return a copy of ``units`` with ``facilities_per_10k``: existing facilities per 10,000.

    Counts facilities (not places) of every type unless ``facility_type`` says otherwise;
    confidential ones count too. NaN where a unit has no inhabitants, which the index then
    treats as a missing indicator.

    Parameters
    ----------
    units
        Units with ``code`` and ``inhabitants``.
    facilities
        Facility register with ``places`` and ``level_code_column``.
    level_code_column
        Register column matching ``units["code"]``.
    facility_type
        A type or list of types; ``None`` for all.

    Returns
    -------
    pandas.DataFrame
        A new frame; ``units`` is not changed.
    """
    require_columns(units, ["inhabitants"], source=None, what="voorzieningen per 10.000")
    counts = facility_counts(
        units, facilities, level_code_column=level_code_column, facility_type=facility_type
    )
    inhabitants = pd.to_numeric(units["inhabitants"], errors="raise").astype(float)
    rate = (counts["facilities"] / inhabitants * PER_INHABITANTS).where(inhabitants > 0)
    return units.assign(facilities_per_10k=rate)
