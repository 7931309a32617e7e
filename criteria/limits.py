"""Allowed ranges of every number a user gives: CLI options, scenario files, rule overrides.

One table serves both doors: ``cli.py`` builds its option parsers from these ranges and
:mod:`criteria.scenario_file` checks the same fields of a ``.scenario.json`` with them, so
``--sensitivity 20000`` and ``"sensitivity": 20000`` are refused with the same reason. The
domains of the features a hard rule compares (:func:`rule_value_problem`) keep a constraint
override such as ``--constraint plot_size=-100`` from silently excluding nothing.

This module imports nothing heavy: the CLI reads it while building its parser.

Examples
--------
>>> SENSITIVITY.problem(20_000) is not None
True
>>> rule_value_problem("plot_area_m2", 600) is None
True
>>> rule_value_problem("plot_area_m2", -100)
'−100 is niet toegestaan: een oppervlakte in m² van 0 of meer'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

#: Most Monte Carlo weight draws; the reason is part of every refusal.
MAX_SENSITIVITY = 10_000
_SENSITIVITY_WHY = (
    "meer trekkingen veranderen de aandelen nauwelijks, want hun fout daalt met 1/√N tot "
    "ongeveer ±1 % bij 10.000, en elke trekking bewaart een rang per locatie: 10.000 "
    "trekkingen × 20.000 locaties kosten 0,8 GB"
)


@dataclass(frozen=True)
class NumberRange:
    """An allowed range of one number.

    Attributes
    ----------
    low, high
        Inclusive bounds (``high`` may be infinite).
    whole
        Only whole numbers.
    what
        What the number is, for messages: ``"a whole number"``, ``"metres"``.
    why
        Why the upper bound exists, appended to a refusal (empty: no reason needed).
    """

    low: float
    high: float = math.inf
    whole: bool = False
    what: str = "een getal"
    why: str = ""

    def describe(self) -> str:
        """Return the range as text: ``"meters ≥ 0 en ≤ 1.000.000"``."""
        upper = "" if self.high == math.inf else f" en ≤ {_nl(self.high)}"
        return f"{self.what} ≥ {_nl(self.low)}{upper}"

    def problem(self, value: object) -> str | None:
        """Return what is wrong with ``value`` (None when it is allowed).

        Parameters
        ----------
        value
            Any value, e.g. straight from JSON: text, a bool or NaN are refused too.

        Returns
        -------
        str or None
        """
        if isinstance(value, bool) or not isinstance(value, Real):
            return f"{value!r} is geen getal: geef {self.describe()}"
        number = float(value)
        if not math.isfinite(number):
            return f"{value!r} is geen eindig getal: geef {self.describe()}"
        if self.whole and number != int(number):
            return f"{value!r} is geen heel getal: geef {self.describe()}"
        if not self.low <= number <= self.high:
            reason = f"; {self.why}" if self.why and number > self.high else ""
            return f"{value!r} valt buiten het bereik: geef {self.describe()}{reason}"
        return None


#: Shortlist size.
TOP_N = NumberRange(1, whole=True, what="een heel getal")
#: Caps per buurt / gemeente, and the MCLP number of new sites.
CAP = NumberRange(1, whole=True, what="een heel getal")
#: Minimum spacing between shortlisted sites.
SPACING_M = NumberRange(0, 1e6, what="meters")
#: Evenness weight of the shortlist.
EVENNESS = NumberRange(0, 1, what="een gewicht")
#: Monte Carlo weight draws (0: no sensitivity analysis).
SENSITIVITY = NumberRange(
    0, MAX_SENSITIVITY, whole=True, what="een aantal gewichtstrekkingen", why=_SENSITIVITY_WHY
)
#: Places assumed for register rows that give none.
DEFAULT_PLACES = NumberRange(1, 2000, what="een aantal plaatsen")
#: Reach of a coverage plan.
REACH_M = NumberRange(1, 1e6, what="meters")
#: A criterion weight override (normalised with the others when scoring).
WEIGHT = NumberRange(0, 1e6, what="een gewicht")
#: New places of a regional plan.
PLAN_PLACES = NumberRange(1, 100_000, whole=True, what="een heel aantal plaatsen")
#: CBC's time limit for a regional plan.
PLAN_TIME_S = NumberRange(0.1, 3600, what="seconden")
#: Fair-share correction by draagkracht.
SHARE = NumberRange(0, 1, what="een aandeel")
#: Cell size of a surface (``plekwijzer surface --cell-m``).
SURFACE_CELL_M = NumberRange(5, 1000, what="meters")
#: Lowest cell score of a zoekgebied (``--min-score``).
SURFACE_MIN_SCORE = NumberRange(0, 1, what="een score")
#: Least area of a zoekgebied (``--min-area-m2``).
SURFACE_AREA_M2 = NumberRange(0, 1e9, what="een oppervlakte in m²")
#: Least distance between zoekgebieden kept with ``--top`` (``--min-distance-m``).
SURFACE_DISTANCE_M = NumberRange(0, 1e6, what="meters")

# Domains of the features hard rules compare, by the unit in the feature's name
# (STYLE: units in names). Longest suffix first: "_m2" before "_m".
# No upper bound on sizes: a rule above every site is an allowed (if bleak) what-if.
_BY_SUFFIX: tuple[tuple[str, NumberRange], ...] = (
    ("_per_km2", NumberRange(0, what="een dichtheid per km²")),
    ("_per_10k", NumberRange(0, what="een aantal per 10.000 inwoners")),
    ("_per_1000", NumberRange(0, what="een aantal per 1.000")),
    ("_pct", NumberRange(0, 100, what="een percentage")),
    ("_m2", NumberRange(0, what="een oppervlakte in m²")),
    ("_km", NumberRange(0, what="een afstand in km")),
    ("_m", NumberRange(0, what="een afstand in meters")),
)
_BY_NAME: dict[str, NumberRange] = {
    "build_year": NumberRange(1000, 2100, whole=True, what="een jaartal"),
    "draagkracht": NumberRange(0, 1, what="een draagkrachtindex"),
    "buurt_draagkracht": NumberRange(0, 1, what="een draagkrachtindex"),
}
_COUNT_MARKERS = ("_within_", "addresses_", "facilities_")


def feature_domain(feature: str) -> NumberRange:
    """Return the values a feature can take, as a hard rule may compare them.

    Parameters
    ----------
    feature
        A feature column, e.g. ``"plot_area_m2"`` or ``"addresses_within_100m"``.

    Returns
    -------
    NumberRange
        Areas, distances, densities and counts start at 0; a feature of unknown unit may
        be any finite number.

    Examples
    --------
    >>> feature_domain("addresses_within_100m").what
    'een aantal'
    """
    if feature in _BY_NAME:
        return _BY_NAME[feature]
    if any(marker in feature for marker in _COUNT_MARKERS):
        return NumberRange(0, what="een aantal")
    for suffix, domain in _BY_SUFFIX:
        if feature.endswith(suffix):
            return domain
    return NumberRange(-math.inf, what="een eindig getal")


def rule_value_problem(feature: str, value: object) -> str | None:
    """Return what is wrong with a value a hard rule compares a feature with (None: fine).

    Parameters
    ----------
    feature
        The feature the rule reads.
    value
        The new value of the rule.

    Returns
    -------
    str or None
        E.g. ``"−100 is niet toegestaan: een oppervlakte in m² van 0 of meer"``.
    """
    domain = feature_domain(feature)
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        return f"{value!r} is geen eindig getal: geef {_span(domain)}"
    if not domain.low <= float(value) <= domain.high:
        return f"{_nl(float(value))} is niet toegestaan: {_span(domain)}"
    return None


def _nl(value: float) -> str:
    """Write a bound or value in nl-NL notation with the decimals it has (0,1; 1.000.000)."""
    from geo.nlformat import number  # light: no pandas, no geopandas

    decimals = 0 if value == int(value) else min(len(repr(value).split(".")[-1]), 3)
    return number(value, decimals=decimals)


def _span(domain: NumberRange) -> str:
    if domain.low == -math.inf:
        return domain.what
    if domain.high == math.inf:
        return f"{domain.what} van {_nl(domain.low)} of meer"
    return f"{domain.what} van {_nl(domain.low)} tot {_nl(domain.high)}"
