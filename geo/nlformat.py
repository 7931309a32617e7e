"""Numbers, percentages, deltas and dates as Dutch readers expect them (nl-NL).

One place for notation, used by the council report and the app: a decimal comma and a dot
between thousands (``1.234,5``), the real minus sign (U+2212) for negative numbers, an explicit
plus on increases, ``–`` for a value that is unknown. The notation never depends on the
machine's locale settings.

Examples
--------
>>> number(1234.5)
'1.234,5'
>>> number(-0.04)
'0,0'
>>> delta(-0.0213, decimals=3)
'−0,021'
>>> per_10k(3.25)
'3,3 per 10.000'
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Shown for a value that is unknown (None, NaN).
MISSING = "–"
#: The minus sign of typeset text (U+2212), not the hyphen.
MINUS = "\u2212"
#: Dutch month names, January first.
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def _finite(value: Any) -> float | None:
    """Return the value as a float, or None when it is missing or not a finite number."""
    # float() refuses None and non-numeric text with TypeError/ValueError: both are missing.
    try:
        finite = float(value)
    except (TypeError, ValueError):
        return None
    return finite if math.isfinite(finite) else None


def number(value: Any, *, decimals: int = 1, signed: bool = False, missing: str = MISSING) -> str:
    """Format a number in nl-NL notation.

    Parameters
    ----------
    value
        Any real number; None, NaN and non-numbers give ``missing``.
    decimals
        Digits after the decimal comma.
    signed
        Put ``+`` before a positive number (``−`` always marks a negative one).
    missing
        Text for an unknown value.

    Returns
    -------
    str
        E.g. ``1.234,5``; halves round up (``2,25`` -> ``2,3``); a value that rounds to
        zero is shown without sign.

    Examples
    --------
    >>> number(24655, decimals=0)
    '24.655'
    >>> number(-24.6)
    '−24,6'
    >>> number(0.5, decimals=2, signed=True)
    '+0,50'
    >>> number(float("nan"))
    '–'
    """
    x = _finite(value)
    if x is None:
        return missing
    # Half up from the shortest decimal form (3.25 -> 3,3), as people round, not half-even.
    rounded = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = Decimal(0).quantize(Decimal(1).scaleb(-decimals))  # no "−0,0"
    text = f"{abs(rounded):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if rounded < 0:
        return MINUS + text
    if signed and rounded > 0:
        return "+" + text
    return text


def integer(value: Any, *, missing: str = MISSING) -> str:
    """Format a count with dots between thousands.

    Examples
    --------
    >>> integer(1234567)
    '1.234.567'
    """
    return number(value, decimals=0, missing=missing)


def delta(value: Any, *, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a change with its sign: ``+1,2``, ``−0,3`` or ``0,0``.

    Examples
    --------
    >>> delta(1.25, decimals=2)
    '+1,25'
    >>> delta(-3)
    '−3,0'
    """
    return number(value, decimals=decimals, signed=True, missing=missing)


def percent(
    fraction: Any, *, decimals: int = 0, signed: bool = False, missing: str = MISSING
) -> str:
    """Format a fraction (0.25) as a Dutch percentage (``25%``).

    Examples
    --------
    >>> percent(0.254)
    '25%'
    >>> percent(0.1234, decimals=1)
    '12,3%'
    >>> percent(-0.02, signed=True)
    '−2%'
    """
    x = _finite(fraction)
    if x is None:
        return missing
    return number(100 * x, decimals=decimals, signed=signed) + "%"


def share(fraction: Any, *, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a share of a whole (inhabitants within reach …) as a Dutch percentage, rounded down.

    The one rounding rule for shares, on screen and on paper: always down to the decimals
    shown, so ``100,0%`` means all of it and never shows while anything is left out, and the
    same share reads the same wherever it is shown.

    Examples
    --------
    >>> share(0.99999)
    '99,9%'
    >>> share(1.0)
    '100,0%'
    >>> share(0.3489)
    '34,8%'
    >>> share(0.254, decimals=0)
    '25%'
    """
    x = _finite(fraction)
    if x is None:
        return missing
    scale = 10**decimals
    # The tiny allowance keeps a share that is whole up to float noise (0.35 stored as
    # 0.34999…) from dropping a digit.
    return number(math.floor(100 * x * scale + 1e-9) / scale, decimals=decimals) + "%"


def per_10k(value: Any, *, decimals: int = 1, missing: str = MISSING) -> str:
    """Format a rate per 10,000 inhabitants.

    Examples
    --------
    >>> per_10k(12.04)
    '12,0 per 10.000'
    """
    x = _finite(value)
    if x is None:
        return missing
    return f"{number(x, decimals=decimals)} per 10.000"


def distance(metres: Any, *, missing: str = MISSING) -> str:
    """Format a distance: metres below 1 km (rounded to 10 m), kilometres above.

    Whole kilometres go without decimals.

    Examples
    --------
    >>> distance(347)
    '350 m'
    >>> distance(1520)
    '1,5 km'
    >>> distance(2000)
    '2 km'
    """
    x = _finite(metres)
    if x is None:
        return missing
    if abs(x) < 995:
        return f"{number(round(x, -1), decimals=0)} m"
    km = number(x / 1000, decimals=1)
    return f"{km.removesuffix(',0')} km"


def value_range(low: Any, high: Any, *, decimals: int = 1) -> str:
    """Format a class range ``low – high`` (one value when both round alike).

    Examples
    --------
    >>> value_range(1.23, 3.37)
    '1,2 – 3,4'
    >>> value_range(0, 0.01)
    '0,0'
    """
    lo, hi = number(low, decimals=decimals), number(high, decimals=decimals)
    return lo if lo == hi else f"{lo} – {hi}"


def date(day: dt.date | dt.datetime) -> str:
    """Format a date as Dutch text.

    Examples
    --------
    >>> date(dt.date(2026, 3, 5))
    '5 maart 2026'
    """
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def given(value: Any) -> str:
    """Show a value as received, for a message: a number in nl-NL notation and in full.

    Parameters
    ----------
    value
        What a user gave: a number is shown with all its digits (no rounding), anything
        else (a text, a list, None) as its ``repr``.

    Returns
    -------
    str
        E.g. ``0,372``, ``1.500``, ``−3`` or ``'abc'``.

    Examples
    --------
    >>> given(0.372)
    '0,372'
    >>> given(1500)
    '1.500'
    >>> given(float("nan"))
    'nan'
    >>> given("abc")
    "'abc'"
    """
    if isinstance(value, bool | str | bytes) or not hasattr(value, "__float__"):
        return repr(value)
    x = float(value)
    if not math.isfinite(x):
        return repr(x)
    exact = Decimal(repr(int(x))) if x == int(x) and abs(x) < 1e15 else Decimal(repr(x))
    whole, _, fraction = f"{abs(exact):f}".partition(".")
    text = f"{int(whole):,}".replace(",", ".") + (f",{fraction}" if fraction else "")
    return MINUS + text if exact < 0 else text
