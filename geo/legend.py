"""Legend classes for choropleth maps: mapclassify breaks with no empty or repeated classes.

A legend such as ``0,00 – 0,00`` or two classes labelled alike tells a reader nothing. The
classes here are cut by :mod:`mapclassify` and then cleaned: bounds are rounded to the
precision shown, repeated bounds are merged, classes that hold no unit are dropped, and when
labels would still repeat the number of classes goes down. Few distinct values (all equal,
mostly zeros) get one class per value. Labels use nl-NL notation (:mod:`geo.nlformat`).

Classes are closed on the right, as in mapclassify: class ``i`` holds the values in
``(bins[i-1], bins[i]]`` and the first class includes the minimum. Labels never overlap:
a class never starts at the rounded value the class before it ends with.

Maps that are compared (now and with the shortlist) share one classification: cut the
values of both together (:func:`shared_classes`) and colour each map by it.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo._errors import PlekwijzerInputError
from geo.nlformat import value_range

#: Classification schemes: name -> mapclassify class name. Fisher-Jenks is exact but slow in
#: pure Python above about 1,000 values; quantiles is the default and is cut here without
#: mapclassify (see _quantile_bins); mapclassify is imported only for the other schemes.
SCHEMES = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "fisher_jenks": "FisherJenks",
}
#: Separator of a class range label.
RANGE = " – "
#: Digits a label may gain (over those the spread asks) before classes are merged instead.
EXTRA_DECIMALS = 2


@dataclass(frozen=True)
class LegendClasses:
    """Classes of one choropleth.

    Attributes
    ----------
    bins
        Upper bound of each class, increasing (the last is the maximum).
    labels
        Dutch label of each class, e.g. ``"1,2 – 3,4"`` or ``"0"`` for a one-value class.
    counts
        Number of finite values in each class (never 0).
    decimals
        Digits after the comma in the labels.
    lower
        Smallest value (the lower end of the first class); NaN without values.
    """

    bins: tuple[float, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    decimals: int
    lower: float = math.nan

    @property
    def k(self) -> int:
        """Number of classes (0 when there were no finite values)."""
        return len(self.bins)

    def classify(self, values: npt.ArrayLike) -> np.ndarray:
        """Return the class index of each value, -1 for a missing (NaN) value.

        Parameters
        ----------
        values
            Numbers; values above the top bound fall in the top class.

        Returns
        -------
        numpy.ndarray
            Integers in ``[-1, k - 1]``, one per value.
        """
        array = np.asarray(values, dtype=float)
        if self.k == 0:
            return np.full(array.shape, -1, dtype=int)
        index = np.searchsorted(np.asarray(self.bins), array, side="left")
        index = np.minimum(index, self.k - 1)
        return np.where(np.isfinite(array), index, -1)


def _decimals_for(values: np.ndarray) -> int:
    """Digits a reader needs: none for counts in the hundreds, one from 1, more below."""
    span = float(values.max() - values.min()) or float(np.abs(values).max())
    if span >= 100 or span == 0:
        return 0
    if span >= 1:
        return 1
    return min(2 - math.floor(math.log10(span)), 8) if span < 0.01 else 2


def _members(values: np.ndarray, bins: np.ndarray) -> list[np.ndarray]:
    index = np.minimum(np.searchsorted(bins, values, side="left"), len(bins) - 1)
    return [values[index == i] for i in range(len(bins))]


def _labels(values: np.ndarray, bins: np.ndarray, decimals: int) -> list[str]:
    """Label of each class: the range of the values it holds, one value when they agree.

    Labels from the members rather than the bounds never overlap and never start a class
    at a value it does not hold (a class after ``0`` reads ``0,3 – 2,5``, not ``0 – 2,5``).
    """
    return [
        value_range(members.min(), members.max(), decimals=decimals)
        for members in _members(values, bins)
    ]


def _readable(labels: list[str]) -> bool:
    """No two labels alike, and no class starting at the value the class before ends with.

    ``3,4 – 8,2`` followed by ``8,2`` (or ``0,0`` by ``0,0 – 0,8``) reads as an overlap:
    the rounded ends meet. More digits (``8,15`` and ``8,24``) or fewer classes fix it.
    """
    if len(set(labels)) < len(labels):
        return False
    return not any(
        before.split(RANGE)[-1] == after.split(RANGE)[0]
        for before, after in itertools.pairwise(labels)
    )


def _clean(values: np.ndarray, bins: npt.ArrayLike, decimals: int) -> np.ndarray:
    """Put bounds halfway between shown values, merge repeats, drop empty classes.

    A bound at ``0,625`` (two decimals shown) puts every value that reads ``0,62`` or less
    below it and every value that reads ``0,63`` or more above it, so the label of one class
    never ends where the next begins ("… – 0,63" and "0,63 – …"), also for dense values.
    Only a value within rounding error of the half (``0,625`` itself) may still read alike;
    :func:`_readable` catches that.
    """
    unit = 10.0**-decimals
    given = np.asarray(bins, dtype=float)
    # Half a unit above the shown value of each bound: the values the bound held stay below.
    rounded = np.unique((np.floor(given / unit + 0.5) + 0.5) * unit)
    # The top bound (the maximum) would land just below it and split off a class of values
    # that all read as the maximum; the maximum closes the last class instead.
    top = (np.floor(values.max() / unit + 0.5) + 0.5) * unit
    rounded = rounded[rounded < top]
    bins = np.append(rounded, values.max())
    counts = np.array([m.size for m in _members(values, bins)])
    return bins[counts > 0]


def _quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Return the bounds ``mapclassify.Quantiles(values, k=k).bins`` gives, computed here.

    The same arithmetic as mapclassify's ``quantile`` over scipy's ``scoreatpercentile``
    (linear "fraction" interpolation, weights divided by their sum), so the bounds are equal
    to the last bit (tests/test_legend.py checks). Importing mapclassify brings scikit-learn,
    scipy.stats and matplotlib, about a second at every report start, for these few lines.
    """
    step = 100.0 / k
    shares = np.arange(step, 100 + step, step)
    if shares[-1] > 100.0:
        shares[-1] = 100.0
    ordered = np.sort(np.asarray(values).flatten())
    bounds = []
    for share in shares:
        index = share / 100.0 * (ordered.size - 1)
        low = int(index)
        if low == index:
            bounds.append(np.add.reduce(ordered[low : low + 1] * np.array(1)) / 1.0)
        else:
            weights = np.array([(low + 1 - index), (index - low)], float)
            bounds.append(np.add.reduce(ordered[low : low + 2] * weights) / weights.sum())
    return np.unique(np.array(bounds, dtype=float))


def _cut(values: np.ndarray, scheme: str, k: int) -> np.ndarray:
    if k <= 1 or np.unique(values).size <= k:
        return np.unique(values)[-k:] if k > 1 else values[-1:]
    if scheme == "quantiles":
        return _quantile_bins(values, k)
    with warnings.catch_warnings():
        # mapclassify warns when it lowers k itself or lacks numba; both are handled here.
        warnings.simplefilter("ignore", UserWarning)
        import mapclassify

        classifier = getattr(mapclassify, SCHEMES[scheme])
        return np.asarray(classifier(values, k=k).bins, dtype=float)


def _candidate_bins(values: np.ndarray, scheme: str, wanted: int) -> np.ndarray:
    """Bounds for ``wanted`` classes; a value held by many units gets a class of its own.

    Quantiles of a map that is mostly zeros are all zero; cutting only the other values
    and giving the zeros (or any value held by at least 1/wanted of the units) their own
    class keeps the rest of the legend informative.
    """
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size <= wanted:
        return distinct
    heavy = distinct[counts >= values.size / wanted]
    rest = values[~np.isin(values, heavy)]
    if heavy.size == 0 or wanted - heavy.size < 1 or rest.size == 0:
        return _cut(values, scheme, wanted)
    below = [distinct[distinct < h].max() for h in heavy if (distinct < h).any()]
    return np.union1d(np.union1d(_cut(rest, scheme, wanted - heavy.size), heavy), below)


def legend_classes(
    values: npt.ArrayLike, *, k: int = 5, scheme: str = "quantiles", decimals: int | None = None
) -> LegendClasses:
    """Cut values into at most ``k`` legend classes, none empty, no two labelled alike.

    Parameters
    ----------
    values
        The mapped numbers; NaN and infinite values are left out (shown as "geen gegevens").
    k
        Most classes wanted (1 to 9).
    scheme
        A key of :data:`SCHEMES`.
    decimals
        Digits in the labels; None picks them from the spread of the values (0 for
        hundreds and up, 1 from 1, else 2 or more) and adds up to
        :data:`EXTRA_DECIMALS` when
        labels would otherwise repeat. Bounds are rounded to these digits, so classes
        merge rather than show more precision than the labels.

    Returns
    -------
    LegendClasses
        With ``k`` classes or fewer; no classes when there are no finite values.

    Raises
    ------
    PlekwijzerInputError
        For an unknown scheme or ``k`` outside 1 to 9.

    Examples
    --------
    >>> legend_classes([0, 0, 0, 0, 1.5, 2.5, 7.0], k=3).labels
    ('0,0', '1,5 – 2,5', '7,0')
    >>> legend_classes([4, 4, 4]).labels
    ('4,0',)
    """
    if scheme not in SCHEMES:
        msg = f"onbekende indeling {scheme!r}; gebruik een van {', '.join(SCHEMES)}."
        raise PlekwijzerInputError(msg)
    if not 1 <= k <= 9:
        msg = f"k = {k} legendaklassen: kies 1 tot 9 (een lezer onderscheidt hoogstens 9 tinten)."
        raise PlekwijzerInputError(msg)
    array = np.asarray(values, dtype=float).ravel()
    finite = np.sort(array[np.isfinite(array)])
    if finite.size == 0:
        return LegendClasses(bins=(), labels=(), counts=(), decimals=decimals or 0)
    start = _decimals_for(finite) if decimals is None else decimals
    stop = start + EXTRA_DECIMALS if decimals is None else decimals
    for wanted in range(k, 0, -1):
        for digits in range(start, stop + 1):
            bins = _clean(finite, _candidate_bins(finite, scheme, wanted), digits)
            labels = _labels(finite, bins, digits)
            if len(labels) <= k and _readable(labels):
                return LegendClasses(
                    bins=tuple(float(b) for b in bins),
                    labels=tuple(labels),
                    counts=tuple(m.size for m in _members(finite, bins)),
                    decimals=digits,
                    lower=float(finite[0]),
                )
    # One class always has a unique label; the loop returns at wanted = 1.
    msg = "no legend classes could be formed"  # pragma: no cover
    raise AssertionError(msg)  # pragma: no cover


def shared_classes(
    *values: npt.ArrayLike, k: int = 5, scheme: str = "quantiles", decimals: int | None = None
) -> LegendClasses:
    """Cut the values of several maps into one set of classes, so the maps read alike.

    Parameters
    ----------
    *values
        The mapped numbers of each map (e.g. places per 10,000 now and with the shortlist).
    k, scheme, decimals
        As :func:`legend_classes`.

    Returns
    -------
    LegendClasses
        Classes of all values together; ``counts`` count every map's units.

    Examples
    --------
    >>> shared_classes([0, 0, 3.4, 8.1], [0, 0, 8.2, 17.5], k=3).labels
    ('0,0', '3,4 – 8,1', '8,2 – 17,5')
    """
    arrays = [np.asarray(v, dtype=float).ravel() for v in values]
    return legend_classes(
        np.concatenate(arrays) if arrays else np.array([]), k=k, scheme=scheme, decimals=decimals
    )
