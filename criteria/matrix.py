"""Stage 1 of scoring: the criteria matrix, built once per feature table and profile.

Scoring runs in two stages (DESIGN §5, issue 10). :func:`build_matrix` does everything that
does not depend on the weights, once: it checks the feature table, applies every criterion's
transform, decides every hard constraint (:mod:`criteria.constraints`) and orders the eligible
sites for the tie-break. The result, a frozen :class:`CriteriaMatrix`, is then weighted as
often as needed (:func:`criteria.scoring.weigh`, :mod:`criteria.sensitivity`): a weight change
is one matrix-vector product plus one sort, and Monte Carlo weights are one matrix product.

Two kernels shared by both: :meth:`CriteriaMatrix.scores` (weighted sum ``T @ w``, or the
weighted geometric mean ``exp(log T @ w)``) and :func:`best_first` (the ranking: scores
compared rounded to 12 decimals, ties broken by index label, so row order never matters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from criteria._errors import FeatureTableError, ProfileError, WeightError
from criteria.constraints import (
    ConstraintMasks,
    constraint_columns,
    evaluate_constraints,
    source_labels,
)
from criteria.profiles import Criterion, Profile
from criteria.transforms import apply_transform
from criteria.weights import direct_weights
from geo.labels import feature_label, missing_feature_hint

#: Scores are compared rounded to this many decimals (float noise never decides a rank).
DECIMALS = 12
_SCALE = 10.0**DECIMALS
# Stand-in for log(0) in the geometric mean: finite, so a zero weight times it is 0 (not NaN),
# and exp(LOG_ZERO * w) underflows to exactly 0 for any weight above 1e-297 (weights sum to 1,
# so a sum of such terms never overflows either).
LOG_ZERO = -1e300
# Largest number of sites whose rank keys pack a position next to the rounded score in one
# int64 (score × 1e12 needs 40 bits); beyond it ranks fall back to a stable argsort.
_PACKED_BITS = 22


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def label_order(labels: pd.Index) -> np.ndarray:
    """Positions that sort the labels: the tie-break between equal scores.

    Labels of mixed types that do not compare are sorted by their text.
    """
    try:
        if labels.is_monotonic_increasing:
            return np.arange(len(labels))
        return np.asarray(labels.argsort(kind="stable"))
    except TypeError:
        return np.argsort(np.asarray(labels.astype(str)), kind="stable")


def rank_order(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order sites best first in each row of ``scores``, with the rounded scores in that order.

    Parameters
    ----------
    scores
        Shape (sites,) or (draws, sites), values in [0, 1]; positions are the tie-break (the
        lower position wins a tie), so give the sites in label order.

    Returns
    -------
    order : numpy.ndarray
        Same shape, int64: the site positions from best to worst.
    keys : numpy.ndarray
        Same shape, int64: ``1e12 - rint(score * 1e12)`` in that order (non-decreasing);
        equal neighbours are tied sites.

    Notes
    -----
    Scores are compared rounded to :data:`DECIMALS` decimals, as ``round(score, 12)``. The
    rounded score (40 bits) and the position are packed into one int64 key and sorted with
    numpy's (SIMD) sort, several times faster than an argsort.
    """
    scores = np.asarray(scores, dtype="float64")
    sites = scores.shape[-1]
    bits = max(1, int(sites - 1).bit_length())
    # 1e12 - rint(score * 1e12), as np.round(score, 12) rounds: higher score, smaller key.
    key = np.multiply(scores, -_SCALE)
    np.rint(key, out=key)
    key += _SCALE
    if bits > _PACKED_BITS:
        order = np.argsort(key, axis=-1, kind="stable")
        return order, np.take_along_axis(key, order, axis=-1).astype(np.int64)
    packed = key.astype(np.int64)
    packed <<= bits
    packed |= np.arange(sites, dtype=np.int64)
    packed.sort(axis=-1)
    keys = packed >> bits
    packed &= (1 << bits) - 1
    return packed, keys


def best_first(scores: np.ndarray) -> np.ndarray:
    """Order sites best first in each row of ``scores`` (ties: the lower position first).

    Parameters
    ----------
    scores
        Shape (sites,) or (draws, sites), values in [0, 1], sites in label order.

    Returns
    -------
    numpy.ndarray
        Same shape, int64: the site positions from best to worst (see :func:`rank_order`).

    Examples
    --------
    >>> best_first(np.array([0.2, 0.9, 0.2, 0.5])).tolist()
    [1, 3, 0, 2]
    """
    return rank_order(scores)[0]


@dataclass(frozen=True, eq=False)
class CriteriaMatrix:
    """Transformed criteria, constraint outcomes and tie-break order of every candidate.

    Built by :func:`build_matrix`; read-only. Weighting it (:func:`criteria.scoring.weigh`)
    never recomputes a transform or a constraint.

    Attributes
    ----------
    index
        The candidates (the feature table's index), in feature-table order.
    profile
        The profile; its weights are the base of every weighing.
    criteria
        The scored criteria (optional ones without a feature column are dropped).
    transformed_t
        Shape (criteria, sites): transformed values in [0, 1], an unknown raw value as 0.
    raw
        Criterion name -> its raw feature values, by position (a RangeIndex; :attr:`index`
        holds the labels).
    sources
        Criterion name -> per-site source (:data:`criteria.constraints.SOURCES`), for the
        criteria whose feature has a ``source__`` column.
    masks
        Constraint outcomes (:class:`criteria.constraints.ConstraintMasks`).
    constraint_values
        The feature-table columns the exclusion and check texts read, by position.
    eligible
        Positions of the non-excluded sites, in tie-break (index label) order.
    dropped
        Optional criteria dropped for lack of their feature column.
    warnings
        Messages for the user.
    """

    index: pd.Index
    profile: Profile
    criteria: tuple[Criterion, ...]
    transformed_t: np.ndarray
    raw: Mapping[str, pd.Series]
    sources: Mapping[str, np.ndarray]
    masks: ConstraintMasks
    constraint_values: pd.DataFrame
    eligible: np.ndarray
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """Names of the scored criteria, in profile order."""
        return [c.name for c in self.criteria]

    @property
    def n_sites(self) -> int:
        """Number of candidates."""
        return len(self.index)

    @property
    def aggregation(self) -> str:
        """``"weighted_sum"`` or ``"geometric_mean"``."""
        return self.profile.aggregation

    @cached_property
    def excluded(self) -> np.ndarray:
        """Shape (sites,): excluded by a hard rule on measured data or outside the region."""
        return _readonly(self.masks.excluded)

    @cached_property
    def needs_check(self) -> np.ndarray:
        """Shape (sites,): not excluded, but a hard rule could not be decided on measured data."""
        return _readonly(self.masks.needs_check)

    @cached_property
    def missing_values(self) -> dict[str, int]:
        """Number of unknown (NaN) raw values per scored criterion."""
        return {name: int(values.isna().sum()) for name, values in self.raw.items()}

    @cached_property
    def _base(self) -> np.ndarray:
        """What the weights multiply: the values, or their logs for the geometric mean."""
        if self.aggregation == "weighted_sum":
            return self.transformed_t
        logs = np.full(self.transformed_t.shape, LOG_ZERO)
        np.log(self.transformed_t, out=logs, where=self.transformed_t > 0)
        return _readonly(logs)

    @cached_property
    def eligible_base(self) -> np.ndarray:
        """:attr:`_base` of the eligible sites only, in tie-break order: (criteria, eligible)."""
        return _readonly(np.ascontiguousarray(self._base[:, self.eligible]))

    @cached_property
    def base_weights(self) -> pd.Series:
        """The profile's own weights (direct, rank or AHP), normalised over every criterion."""
        return self.profile.weights

    def weights(self, overrides: Mapping[str, float] | pd.Series | None = None) -> pd.Series:
        """Normalised weights of the scored criteria, with overrides applied.

        The one place a weight override enters scoring: the profile's weights with the
        overrides put in, restricted to the scored criteria and normalised once.

        Parameters
        ----------
        overrides
            Criterion name -> weight, on the scale of the profile's normalised weights (e.g.
            from sliders); the other criteria keep the profile's weights.

        Returns
        -------
        pandas.Series
            Weights named ``weight`` indexed by scored criterion, summing to 1.

        Raises
        ------
        ProfileError
            For an unknown criterion name.
        WeightError
            For a negative weight, or when every scored criterion gets weight 0.
        """
        base = self.base_weights
        overrides = dict(overrides.items()) if overrides is not None else {}
        if unknown := [k for k in overrides if k not in base.index]:
            msg = (
                f"geen criterium {', '.join(map(repr, unknown))} in profiel {self.profile.name!r}; "
                f"geldige namen: {', '.join(base.index)}."
            )
            raise ProfileError(msg, source=self.profile.source)
        try:
            return direct_weights({name: overrides.get(name, base[name]) for name in self.names})
        except WeightError as err:
            raise err.located(source=self.profile.source) from err

    def scores(self, weights: np.ndarray, *, eligible_only: bool = False) -> np.ndarray:
        """Aggregate the transformed values with one or many weight vectors.

        Parameters
        ----------
        weights
            Shape (criteria,) or (draws, criteria); each vector non-negative, summing to 1.
        eligible_only
            Score only the eligible sites, in tie-break order (for ranking).

        Returns
        -------
        numpy.ndarray
            Scores in [0, 1], shape (sites,) or (draws, sites).
        """
        base = self.eligible_base if eligible_only else self._base
        w = np.asarray(weights, dtype="float64")
        if w.ndim == 1:
            positive = w > 0
            if not positive.all():
                # Leave zero-weight criteria out, as the aggregation always has.
                base, w = base[positive], w[positive]
            score = np.dot(base.T, w)
        else:
            score = w @ base
        if self.aggregation != "weighted_sum":
            np.exp(score, out=score)
            # A zero value under any positive weight makes the product 0, however small the
            # weight (a subnormal weight times LOG_ZERO would otherwise round to exp(-0) = 1).
            zero = base == LOG_ZERO
            if w.ndim == 1:
                score[zero.any(axis=0)] = 0.0
            else:
                score[((w > 0).astype(np.float64) @ zero) > 0] = 0.0
        clipped: np.ndarray = np.clip(score, 0.0, 1.0, out=score)
        return clipped


def _missing_feature(
    feature: str, features: pd.DataFrame, *, profile: Profile, item: str
) -> ProfileError:
    msg = (
        f"vraagt kenmerkkolom {feature!r}, die de kenmerkentabel niet heeft; beschikbare kolommen: "
        f"{', '.join(map(str, features.columns))}; bereken het kenmerk of zet optional = true bij "
        "het criterium."
    )
    return ProfileError(msg, source=profile.source, item=item)


def _scored_criteria(
    features: pd.DataFrame, profile: Profile
) -> tuple[list[Criterion], list[str], list[str]]:
    used, dropped, warnings = [], [], []
    for criterion in profile.criteria:
        if criterion.feature in features.columns:
            used.append(criterion)
        elif criterion.optional:
            dropped.append(criterion.name)
            warnings.append(
                f"Criterium '{criterion.label}' valt weg: "
                f"{feature_label(criterion.feature)} is niet beschikbaar; de andere gewichten "
                f"zijn herschaald. Om het mee te wegen: {missing_feature_hint(criterion.feature)}."
            )
        else:
            raise _missing_feature(
                criterion.feature, features, profile=profile, item=f"criterium {criterion.name!r}"
            )
    if not used:
        msg = (
            "geen enkel criterium is te berekenen: alle zijn optioneel en hun kenmerken ontbreken."
        )
        raise ProfileError(msg, source=profile.source)
    return used, dropped, warnings


def build_matrix(features: pd.DataFrame, profile: Profile) -> CriteriaMatrix:
    """Transform every criterion and decide every hard rule once (stage 1 of scoring).

    Parameters
    ----------
    features
        One row per candidate (unique index) with the feature columns the profile names;
        optionally ``source__<feature>`` columns and ``outside_region_reason`` (see
        :mod:`criteria.constraints`).
    profile
        The profile (see :func:`criteria.profiles.load_profile`); its weights are the base
        that :func:`criteria.scoring.weigh` puts overrides into.

    Returns
    -------
    CriteriaMatrix
        Rebuild it only when the features, transforms or constraints change; weight changes
        reuse it.

    Raises
    ------
    ProfileError
        When a feature column is missing (and the criterion is not optional), a constraint
        compares text with a number, or the scored criteria all have weight 0.
    FeatureTableError
        When the index has duplicates or a ``source__`` column an unknown source.
    """
    if not features.index.is_unique:
        dupes = features.index[features.index.duplicated()].unique()[:5].tolist()
        msg = (
            "de index van de kenmerkentabel moet uniek zijn (één rij per kandidaat); dubbel: "
            f"{dupes}."
        )
        raise FeatureTableError(msg)
    for constraint in profile.constraints:
        for feature in constraint.features:
            if feature not in features.columns:
                raise _missing_feature(
                    feature, features, profile=profile, item=f"harde eis {constraint.name!r}"
                )
    used, dropped, warnings = _scored_criteria(features, profile)

    index = features.index
    # Work on positions: pandas aligns every Series operation on the index, which for a
    # text index (pyarrow-backed in pandas 3) costs more than the transforms themselves.
    features = features.reset_index(drop=True)
    n = len(features)
    transformed = np.empty((len(used), n))
    sources = {}
    for row, criterion in enumerate(used):
        try:
            values = apply_transform(features[criterion.feature], criterion.transform)
        except ProfileError as err:
            raise err.located(source=profile.source, item=f"criterium {criterion.name!r}") from err
        transformed[row] = values.to_numpy(dtype="float64", na_value=np.nan)
        if (labels := source_labels(features, criterion.feature)) is not None:
            sources[criterion.name] = _readonly(labels.to_numpy(dtype=object))
    np.copyto(transformed, 0.0, where=np.isnan(transformed))
    raw = {c.name: features[c.feature] for c in used}
    masks = evaluate_constraints(features, profile)
    eligible = np.flatnonzero(~masks.excluded)
    eligible = eligible[label_order(index[eligible])]
    matrix = CriteriaMatrix(
        index=index,
        profile=profile,
        criteria=tuple(used),
        transformed_t=_readonly(transformed),
        raw=raw,
        sources=sources,
        masks=masks,
        constraint_values=features[constraint_columns(features, profile)],
        eligible=_readonly(eligible),
        dropped=tuple(dropped),
        warnings=tuple(warnings),
    )
    matrix.weights()  # refuse now, not at the first weighting, when all weights are zero
    return matrix
