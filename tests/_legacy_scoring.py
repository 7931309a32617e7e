"""The scoring engine as it was before the two-stage rewrite (issue 10), kept as an oracle.

``legacy_score_candidates`` is a verbatim copy of ``criteria.scoring.score_candidates`` at
commit cf5e435: every row re-transformed, re-aggregated through pandas and given its
exclusion reasons on each call. Tests compare the new engine with it; the benchmark uses it
as the baseline of ``score_1m`` and ``montecarlo``. Its constraint semantics are the old ones
(``missing = "pass"`` passes an unknown value, anything else excludes it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from criteria._errors import FeatureTableError, ProfileError, WeightError
from criteria.profiles import Clause, Constraint, Profile
from criteria.transforms import apply_transform
from criteria.weights import direct_weights

#: Output column prefixes, one column per criterion each.
RAW, TRANSFORMED, CONTRIBUTION = "raw__", "transformed__", "contribution__"

_UNITS = (
    ("_per_km2", " per km²"),
    ("_per_10k", " per 10,000"),
    ("_per_1000", " per 1,000"),
    ("_m2", " m²"),
    ("_km", " km"),
    ("_m", " m"),
)
_COMPARE = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
}


def _missing_feature(
    feature: str, features: pd.DataFrame, *, profile: Profile, item: str
) -> ProfileError:
    msg = (
        f"needs feature column {feature!r}, which the feature table lacks; available "
        f"columns are {', '.join(map(str, features.columns))}; compute the feature or mark "
        "the criterion optional = true"
    )
    return ProfileError(msg, source=profile.source, item=item)


def _format_value(value: Any, feature: str) -> str:
    """Format a raw value with the unit its feature name carries (``_m`` -> ``m``)."""
    if isinstance(value, float | np.floating) and math.isfinite(value):
        text = f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.3g}"
    else:
        text = str(value)
    unit = next((u for suffix, u in _UNITS if feature.endswith(suffix)), "")
    return text + unit


def _clause_passes(clause: Clause, column: pd.Series, *, profile: Profile, item: str) -> pd.Series:
    """Vectorised test of one clause; unknown values follow the clause's missing policy."""
    missing = column.isna()
    if clause.op in _COMPARE:
        try:
            numbers = pd.to_numeric(column, errors="raise").astype("float64")
        except (TypeError, ValueError) as err:
            msg = (
                f"operator {clause.op!r} needs numbers but column {clause.feature!r} holds text; "
                "use == or in"
            )
            raise ProfileError(msg, source=profile.source, item=item) from err
        passed = pd.Series(
            _COMPARE[clause.op](numbers.to_numpy(), clause.value), index=column.index
        )
    elif clause.op in ("in", "not in"):
        passed = column.isin(list(clause.value))
        if clause.op == "not in":
            passed = ~passed
    else:
        passed = column == clause.value
        if clause.op == "!=":
            passed = ~passed
    passed = passed.fillna(value=False).astype(bool)
    return passed.where(~missing, clause.missing == "pass").astype(bool)


def _reasons(constraint: Constraint, features: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """Build the exclusion reason of one failed constraint for the rows (positions) given."""
    parts = []
    for clause in constraint.clauses:
        rule = clause.describe().removeprefix(clause.feature + " ")
        values = features[clause.feature].to_numpy()[rows]
        parts.append(
            [
                f"{clause.feature}: value unknown, needs {rule}"
                if pd.isna(value)
                else f"{clause.feature} = {_format_value(value, clause.feature)}, needs {rule}"
                for value in values
            ]
        )
    return [f"{' or '.join(texts)} ({constraint.rationale})" for texts in zip(*parts, strict=True)]


def _rank(score: pd.Series, excluded: pd.Series) -> pd.Series:
    """Rank 1 = best among non-excluded; ties broken by index label, so row order never matters."""
    eligible = score[~excluded].round(12)
    try:
        eligible = eligible.sort_index(kind="stable")
    except TypeError:
        eligible = eligible.iloc[np.argsort(eligible.index.astype(str), kind="stable")]
    ordered = eligible.sort_values(ascending=False, kind="stable")
    ranks = pd.Series(np.arange(1, len(ordered) + 1), index=ordered.index)
    return ranks.reindex(score.index).astype("Int64").rename("rank")


def legacy_score_candidates(
    features: pd.DataFrame,
    profile: Profile,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Score every candidate with a profile.

    Parameters
    ----------
    features
        One row per candidate (unique index) with the feature columns the profile names.
    profile
        The profile (see :func:`criteria.profiles.load_profile`).
    weights
        Weight overrides by criterion name (see :meth:`Profile.with_weights`), e.g. from
        sliders; normalised together with the profile's other weights.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``features.index``, with ``score`` (0 to 1, computed for every row),
        ``rank`` (Int64, 1 = best, <NA> when excluded), ``excluded`` (bool),
        ``exclusion_reasons`` (list of str, empty when not excluded) and per criterion
        ``raw__<name>``, ``transformed__<name>`` (NaN raw -> 0) and ``contribution__<name>``
        (weighted sum: ``weight * transformed``, the contributions add up to the score;
        geometric mean: ``transformed ** weight``, they multiply to the score).
        ``attrs`` holds ``profile``, ``aggregation``, ``weights`` (the normalised weights
        used), ``dropped_criteria``, ``missing_values`` (NaN count per criterion) and
        ``warnings`` (list of str).

    Raises
    ------
    ProfileError
        When a feature column is missing (and the criterion is not optional), a constraint
        compares text with a number, or a weight override names an unknown criterion.
    FeatureTableError
        When the feature table's index has duplicates.
    """
    if not features.index.is_unique:
        dupes = features.index[features.index.duplicated()].unique()[:5].tolist()
        msg = f"feature table index must be unique (one row per candidate); duplicated: {dupes}"
        raise FeatureTableError(msg)
    if weights is not None:
        profile = profile.with_weights(weights)
    for constraint in profile.constraints:
        for feature in constraint.features:
            if feature not in features.columns:
                raise _missing_feature(
                    feature, features, profile=profile, item=f"constraint {constraint.name!r}"
                )
    used, dropped, warnings = [], [], []
    for criterion in profile.criteria:
        if criterion.feature in features.columns:
            used.append(criterion)
        elif criterion.optional:
            dropped.append(criterion.name)
            # The message is the engine's own (Dutch, with what to add): not under test here.
            warnings.append(_dropped_warning(criterion))
        else:
            raise _missing_feature(
                criterion.feature, features, profile=profile, item=f"criterion {criterion.name!r}"
            )
    if not used:
        msg = "none of the criteria can be scored: all are optional and their features are absent"
        raise ProfileError(msg, source=profile.source)
    all_weights = profile.weights
    try:
        w = direct_weights({c.name: all_weights[c.name] for c in used})
    except WeightError as err:
        raise err.located(source=profile.source) from err

    raw = {c.name: features[c.feature] for c in used}
    transformed = {}
    for criterion in used:
        try:
            transformed[criterion.name] = apply_transform(raw[criterion.name], criterion.transform)
        except ProfileError as err:
            raise err.located(source=profile.source, item=f"criterion {criterion.name!r}") from err
    t_frame = pd.DataFrame(transformed, index=features.index).fillna(0.0)
    score = AGGREGATIONS[profile.aggregation](t_frame, w)
    if profile.aggregation == "weighted_sum":
        contributions = t_frame.mul(w, axis="columns")
    else:
        contributions = t_frame.pow(w, axis="columns")

    passes = pd.DataFrame(index=features.index)
    for number, constraint in enumerate(profile.constraints):
        item = f"constraint {constraint.name!r}"
        ok = pd.Series(False, index=features.index)
        for clause in constraint.clauses:
            ok |= _clause_passes(clause, features[clause.feature], profile=profile, item=item)
        passes[number] = ok
    excluded = ~passes.all(axis="columns")  # all() over no constraints is True: none excluded
    reasons = pd.Series([[] for _ in range(len(features))], index=features.index, dtype=object)
    lists = reasons.to_numpy()
    failed = ~passes.to_numpy(dtype=bool)
    for number, constraint in enumerate(profile.constraints):
        rows = np.flatnonzero(failed[:, number])
        for row, text in zip(rows, _reasons(constraint, features, rows), strict=True):
            lists[row].append(text)

    columns: dict[str, pd.Series] = {
        "score": score,
        "rank": _rank(score, excluded),
        "excluded": excluded.astype(bool),
        "exclusion_reasons": reasons,
    }
    for prefix, frame in ((RAW, raw), (TRANSFORMED, t_frame), (CONTRIBUTION, contributions)):
        for criterion in used:
            columns[prefix + criterion.name] = frame[criterion.name]
    result = pd.DataFrame(columns, index=features.index)
    result.attrs = {
        "profile": profile.name,
        "aggregation": profile.aggregation,
        "weights": w.to_dict(),
        "dropped_criteria": dropped,
        "missing_values": {name: int(values.isna().sum()) for name, values in raw.items()},
        "warnings": warnings,
    }
    return result


# The frame aggregation functions of criteria/aggregation.py before the engine took them over
# (CriteriaMatrix.scores); kept verbatim as the oracle of the engine's two rules.


def _prepare(transformed: pd.DataFrame, weights: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Return the positively weighted columns and their normalised weights."""
    if missing := [c for c in weights.index if c not in transformed.columns]:
        msg = (
            f"weights name criteria without a column: {', '.join(map(str, missing))}; "
            f"columns are {', '.join(map(str, transformed.columns))}"
        )
        raise WeightError(msg)
    normalised = direct_weights(weights.to_dict())
    positive = normalised[normalised > 0]
    frame = transformed[list(positive.index)].astype("float64")
    values = frame.to_numpy()
    finite = values[~np.isnan(values)]
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        msg = "transformed values must lie in [0, 1]; apply a transform before aggregating"
        raise ValueError(msg)
    return frame, positive


def weighted_sum(transformed: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Weighted sum of transformed values, as one ``frame[cols].dot(weights)``.

    Parameters
    ----------
    transformed
        One column per criterion with values in [0, 1] (NaN propagates to the score).
    weights
        Criterion name -> non-negative weight; normalised here to sum to 1.

    Returns
    -------
    pandas.Series
        Scores in [0, 1] named ``score``, aligned to ``transformed``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.5, 1.0]})
    >>> weighted_sum(frame, pd.Series({"a": 3, "b": 1})).tolist()
    [0.875, 0.25]
    """
    frame, w = _prepare(transformed, weights)
    score = frame.dot(w).clip(0.0, 1.0)
    return score.rename("score")


def weighted_geometric_mean(transformed: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Weighted geometric mean ``prod(x_i ** w_i)`` of transformed values.

    Non-compensatory: a zero on a criterion with positive weight gives 0.

    Parameters
    ----------
    transformed
        One column per criterion with values in [0, 1] (NaN propagates to the score).
    weights
        Criterion name -> non-negative weight; normalised here to sum to 1.

    Returns
    -------
    pandas.Series
        Scores in [0, 1] named ``score``, aligned to ``transformed``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.25, 1.0]})
    >>> weighted_geometric_mean(frame, pd.Series({"a": 1, "b": 1})).tolist()
    [0.5, 0.0]
    """
    frame, w = _prepare(transformed, weights)
    with np.errstate(divide="ignore"):
        logs = np.log(frame)
    # log(0) = -inf and -inf * w = -inf for w > 0, so exp gives exactly 0: non-compensatory.
    score = np.exp(logs.dot(w)).clip(0.0, 1.0)
    return score.rename("score")


#: Aggregation name used in profiles -> function.
AGGREGATIONS: dict[str, Callable[[pd.DataFrame, pd.Series], pd.Series]] = {
    "weighted_sum": weighted_sum,
    "geometric_mean": weighted_geometric_mean,
}


def _dropped_warning(criterion: Any) -> str:
    from geo.labels import feature_label, missing_feature_hint

    return (
        f"Criterium '{criterion.label}' valt weg: "
        f"{feature_label(criterion.feature)} is niet beschikbaar; de andere gewichten "
        f"zijn herschaald. Om het mee te wegen: {missing_feature_hint(criterion.feature)}."
    )
