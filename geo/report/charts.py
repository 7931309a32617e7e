"""The report's charts: criterion contributions, the Lorenz curve, the plan's frontier."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context

from geo import nlformat
from geo.labels import HEADLINE_LABEL
from geo.report.style import (
    BEFORE_COLOUR,
    SITE_COLOUR,
    STYLE_RC,
    figure,
    nl_axis,
    png,
    wrap,
)


def contributions_chart(
    labels: Sequence[str],
    achieved: Sequence[float],
    possible: Sequence[float],
    *,
    axis_title: str,
    width_mm: float = 110,
    height_mm: float = 58,
) -> bytes:
    """Horizontal bars: what each criterion adds to the score, against what it could add.

    Parameters
    ----------
    labels
        Dutch criterion labels, top to bottom.
    achieved
        The site's contribution per criterion (or its 0–1 value).
    possible
        The most it could be (the weight, or 1).
    axis_title
        Dutch title of the value axis.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    y = np.arange(len(labels))[::-1]
    with rc_context(STYLE_RC):
        fig = figure(width_mm, height_mm)
        ax = fig.add_subplot()
        ax.barh(y, possible, color="#e5e7eb", height=0.7, label="hoogst mogelijk")
        ax.barh(y, achieved, color="#2f6f8f", height=0.7, label="deze locatie")
        # A long label goes over two balanced lines rather than being cut.
        ax.set_yticks(
            y, [wrap(label, 30 if len(label) <= 30 else len(label) // 2 + 5) for label in labels]
        )
        ax.set_xlim(0, max(max(possible, default=0), 1e-9) * 1.05)
        nl_axis(ax, decimals=2, axes="x")
        ax.set_xlabel(axis_title)
        ax.tick_params(axis="y", length=0)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=6, frameon=False)
        return png(fig)


def lorenz_chart(
    before: Sequence[Sequence[float]],
    after: Sequence[Sequence[float]],
    *,
    after_label: str,
    width_mm: float = 75,
    height_mm: float = 72,
) -> bytes:
    """Lorenz curves of places over inhabitants, before and after, with the equality line.

    ``after_label`` names the after curve in the legend (``"met het plan"``).
    """
    with rc_context(STYLE_RC):
        fig = figure(width_mm, height_mm)
        ax = fig.add_subplot()
        ax.plot(
            [0, 1],
            [0, 1],
            color="#9ca3af",
            linewidth=0.8,
            linestyle="--",
            label="gelijke spreiding",
        )
        for points, colour, label in (
            (before, BEFORE_COLOUR, "nu"),
            (after, SITE_COLOUR, after_label),
        ):
            xy = np.asarray(points, dtype=float)
            ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=1.4, label=label, marker=".")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        nl_axis(ax, percent=True)
        ax.set_xlabel("aandeel inwoners (cumulatief)")
        ax.set_ylabel("aandeel plaatsen (cumulatief)")
        ax.grid(color="#e5e7eb", linewidth=0.5)
        ax.legend(loc="upper left", fontsize=6, frameon=False)
        return png(fig)


def frontier_labels(
    points: Sequence[tuple[float, float, float]],
) -> list[tuple[float, float, str]]:
    """Return one label per distinct point of the frontier: ``(index_after, mean, text)``.

    Evenness levels that give the same plan share one point; one label names them all
    (``"0,50 / 0,75"``) instead of two labels drawn over each other.

    Examples
    --------
    >>> frontier_labels([(0.0, 0.4, 0.8), (0.5, 0.3, 0.7), (0.75, 0.3, 0.7)])
    [(0.4, 0.8, '0,00'), (0.3, 0.7, '0,50 / 0,75')]
    """
    labels: dict[tuple[float, float], list[str]] = {}
    for evenness, index_after, mean in points:
        key = (round(float(index_after), 9), round(float(mean), 9))
        labels.setdefault(key, []).append(nlformat.number(evenness, decimals=2))
    return [(x, y, " / ".join(names)) for (x, y), names in labels.items()]


def frontier_chart(
    points: Sequence[tuple[float, float, float]],
    *,
    chosen: tuple[float, float, float] | None = None,
    index_before: float | None = None,
    width_mm: float = 100,
    height_mm: float = 68,
) -> bytes:
    """Draw the price of evenness: mean suitability against the evenness index after a plan.

    Parameters
    ----------
    points
        ``(evenness, index_after, mean_score)`` per plan, evenness 0 to 1.
    chosen
        ``(evenness, index_after, mean_score)`` of the plan shown (marked), if any.
    index_before
        The index without new places (a dashed line), if known.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    xy = np.asarray([(p[1], p[2]) for p in points], dtype=float)
    with rc_context(STYLE_RC):
        fig = figure(width_mm, height_mm)
        ax = fig.add_subplot()
        if index_before is not None and np.isfinite(index_before):
            ax.axvline(index_before, color="#9ca3af", linewidth=0.8, linestyle="--", label="nu")
        ax.plot(xy[:, 0], xy[:, 1], color=BEFORE_COLOUR, linewidth=1.2, marker="o", markersize=3)
        for x, y, text in frontier_labels(points):
            ax.annotate(text, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=6)
        # Room around the outer points so their labels stay inside the frame.
        ax.margins(x=0.12, y=0.12)
        if chosen is not None:
            label = f"gekozen plan (evenwichtigheid {nlformat.number(chosen[0], decimals=2)})"
            ax.plot(
                [chosen[1]], [chosen[2]], "o", markersize=7, color=SITE_COLOUR, zorder=3,
                label=label,
            )  # fmt: skip
        nl_axis(ax, decimals=3)
        ax.set_xlabel(f"{HEADLINE_LABEL} na het plan (lager = evenwichtiger)")
        ax.set_ylabel("gemiddelde geschiktheid")
        ax.grid(color="#e5e7eb", linewidth=0.5)
        ax.legend(loc="lower right", fontsize=6, frameon=False)
        return png(fig)
