"""Vega-Lite specifications of the app's charts, with axes in Dutch number notation.

Streamlit's own ``st.bar_chart`` and ``st.line_chart`` label axes the English way ("0.04",
"0.5"). These specifications write tick labels with a decimal comma and a thousands dot
(a Vega expression swaps the separators of the d3 format) and carry Dutch tooltip text made
by :mod:`geo.nlformat`, so a chart reads like the metrics beside it ("0,712"). Plain dicts:
no Streamlit here; the app passes them to ``st.vega_lite_chart``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from geo import nlformat


def dutch_label_expr(d3_format: str) -> str:
    """Return a Vega ``labelExpr`` that formats ``datum.value`` the Dutch way.

    Parameters
    ----------
    d3_format
        A d3 number format, e.g. ``",.2f"`` or ``".0%"``.

    Returns
    -------
    str

    Examples
    --------
    >>> dutch_label_expr(".0%").startswith("replace(replace(replace(format(datum.value, '.0%')")
    True
    """
    swapped = f"replace(format(datum.value, '{d3_format}'), regexp(',', 'g'), '_')"
    swapped = f"replace({swapped}, regexp('\\\\.', 'g'), ',')"
    return f"replace({swapped}, regexp('_', 'g'), '.')"


def contribution_spec(frame: pd.DataFrame, *, height: int = 220) -> dict[str, Any]:
    """Return a horizontal bar chart of each criterion's contribution to a site's score.

    Parameters
    ----------
    frame
        :func:`geo.presentation.explanation_table` output (``criterium``, ``bijdrage``
        text, ``bijdrage_getal``), one row per criterion in profile order.
    height
        Pixels.

    Returns
    -------
    dict
        A Vega-Lite specification with its data inline.
    """
    values = [
        {"criterium": str(c), "bijdrage": float(v), "tekst": str(t)}
        for c, v, t in zip(
            frame["criterium"], frame["bijdrage_getal"], frame["bijdrage"], strict=True
        )
    ]
    return {
        "data": {"values": values},
        "height": height,
        "mark": {"type": "bar", "color": "#2f6f8f"},
        "encoding": {
            "y": {
                "field": "criterium",
                "type": "nominal",
                "sort": None,
                "title": None,
                # Full criterion names: two criteria must never read the same when cut.
                "axis": {"labelLimit": 400},
            },
            "x": {
                "field": "bijdrage",
                "type": "quantitative",
                "title": "bijdrage aan de score",
                "axis": {"labelExpr": dutch_label_expr(",.2f")},
            },
            "tooltip": [
                {"field": "criterium", "type": "nominal", "title": "criterium"},
                {"field": "tekst", "type": "nominal", "title": "bijdrage"},
            ],
        },
    }


def lorenz_spec(points: Sequence[Sequence[float]], *, height: int = 340) -> dict[str, Any]:
    """Return the Lorenz curve with the line of equal spread, axes in Dutch percentages.

    Parameters
    ----------
    points
        ``(share of inhabitants, share of places)`` pairs, cumulative, from 0 to 1.
    height
        Pixels.

    Returns
    -------
    dict
        A Vega-Lite specification with its data inline.
    """
    values = []
    for x, y in points:
        for name, share in (("Lorenz", y), ("gelijke spreiding", x)):
            values.append(
                {
                    "inwoners": float(x),
                    "plaatsen": float(share),
                    "lijn": name,
                    "tekst": f"{nlformat.percent(x)} van de inwoners, "
                    f"{nlformat.percent(share)} van de plaatsen",
                }
            )
    percent = {"labelExpr": dutch_label_expr(".0%")}
    return {
        "data": {"values": values},
        "height": height,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "inwoners",
                "type": "quantitative",
                "title": "inwoners (cumulatief)",
                "scale": {"domain": [0, 1]},
                "axis": percent,
            },
            "y": {
                "field": "plaatsen",
                "type": "quantitative",
                # Short: Vega cuts an axis title longer than the axis.
                "title": "plaatsen (cumulatief)",
                "scale": {"domain": [0, 1]},
                "axis": percent,
            },
            "color": {
                "field": "lijn",
                "type": "nominal",
                "title": None,
                "scale": {"range": ["#c2410c", "#9ca3af"]},
                "legend": {"orient": "top"},
            },
            "strokeDash": {
                "field": "lijn",
                "type": "nominal",
                "legend": None,
                "scale": {"range": [[1, 0], [4, 3]]},
            },
            "tooltip": [{"field": "tekst", "type": "nominal", "title": "punt"}],
        },
    }


def slider_steps(low: float, high: float, step: float) -> list[float]:
    """Return the positions of a slider from ``low`` to ``high`` in ``step`` steps.

    Values are rounded so that a restored value (e.g. a weight of 0.15) is one of them.

    Examples
    --------
    >>> slider_steps(0.0, 0.3, 0.1)
    [0.0, 0.1, 0.2, 0.3]
    """
    count = round((high - low) / step)
    decimals = max(0, len(f"{step:g}".partition(".")[2]))
    return [round(low + i * step, decimals) for i in range(count + 1)]


def nearest_step(value: float, steps: Sequence[float]) -> float:
    """Return the slider position nearest ``value`` (a restored value between steps).

    Examples
    --------
    >>> nearest_step(0.27, [0.0, 0.25, 0.5])
    0.25
    """
    return min(steps, key=lambda s: abs(s - value))
