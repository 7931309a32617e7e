"""Region presets and own choices of gemeenten."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource
from geo.neighbourhoods import kerncijfers_from_cbs
from geo.paths import project_file

#: The preset file authored by the project.
REGIONS_FILE = project_file("regions.toml")
#: ``--gemeenten all``: every gemeente in the data directory.
ALL_GEMEENTEN = "all"
_GM_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class Region:
    """A named set of gemeenten.

    Attributes
    ----------
    name
        Preset key (``twente``) or ``custom``.
    title
        Human-readable name.
    gemeenten
        CBS gemeente codes (``GM0153``).
    synthetic
        True for the generated demo region.
    """

    name: str
    title: str
    gemeenten: tuple[str, ...]
    synthetic: bool = False


def load_region_presets(path: str | Path = REGIONS_FILE) -> dict[str, Region]:
    """Read the region presets.

    Parameters
    ----------
    path
        A TOML file of ``[name] title = ..., gemeenten = [...]`` tables.

    Returns
    -------
    dict of str to Region
    """
    with Path(path).open("rb") as handle:
        raw = tomllib.load(handle)
    return {
        name: Region(
            name=name,
            title=table.get("title", name),
            gemeenten=tuple(parse_gemeente_codes(table["gemeenten"], source=path)),
            synthetic=bool(table.get("synthetic", False)),
        )
        for name, table in raw.items()
    }


def parse_gemeente_codes(
    codes: str | Iterable[str],
    *,
    source: str | Path | None = None,
    data_source: DataSource | None = None,
) -> list[str]:
    """Parse ``GM0153,GM0164`` (or a list) into validated, de-duplicated codes.

    A bare number (``153``) is accepted as ``GM0153``; ``all`` stands for every gemeente
    of ``data_source`` (342 in CBS 2024), in code order.
    """
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    if [str(i).strip().lower() for i in items if str(i).strip()] == [ALL_GEMEENTEN]:
        if data_source is None:
            msg = (
                "'all' (elke gemeente) heeft de datamap nodig om ze op te sommen; geef --data-dir."
            )
            raise PlekwijzerInputError(msg, source=source)
        table = kerncijfers_from_cbs(data_source)
        return sorted(table.loc[table["level"] == "gemeente", "gemeentecode"].unique())
    parsed: list[str] = []
    for item in (str(i).strip().upper() for i in items):
        if not item:
            continue
        code = f"GM{int(item):04d}" if item.isdigit() else item
        if not _GM_CODE.match(code):
            msg = f"{item!r} is geen CBS-gemeentecode: schrijf GM gevolgd door 4 cijfers."
            raise PlekwijzerInputError(msg, source=source)
        if code not in parsed:
            parsed.append(code)
    if not parsed:
        msg = "geen gemeentecodes gegeven: noem er minstens één, bijv. GM0153,GM0164."
        raise PlekwijzerInputError(msg, source=source)
    return parsed


def resolve_region(
    name: str | None = None,
    *,
    gemeenten: str | Iterable[str] | None = None,
    source: DataSource | None = None,
) -> Region:
    """Return a preset by name, or a custom region from gemeente codes.

    ``gemeenten="all"`` gives every gemeente of ``source`` as the region ``nederland``.

    Parameters
    ----------
    name
        A preset name (``twente``).
    gemeenten
        Own choice of gemeente codes (``GM0153,GM0164``), instead of ``name``.
    source
        The data directory: when given, every code must be a gemeente in its data
        (:func:`require_known_gemeenten`).

    Raises
    ------
    PlekwijzerInputError
        When the name is unknown (listing the presets), neither argument is given, or (with
        ``source``) a gemeente code is not in the data.
    """
    if isinstance(gemeenten, str) and gemeenten.strip().lower() == ALL_GEMEENTEN:
        codes = parse_gemeente_codes(gemeenten, data_source=source)
        return Region(name="nederland", title="Heel Nederland", gemeenten=tuple(codes))
    if gemeenten is not None:
        region = Region(
            name="custom", title="Eigen keuze", gemeenten=tuple(parse_gemeente_codes(gemeenten))
        )
        if source is not None:
            require_known_gemeenten(region.gemeenten, source)
        return region
    presets = load_region_presets()
    if name is None:
        msg = "geen regio gegeven: gebruik --region NAAM of --gemeenten GM0153,GM0164."
        raise PlekwijzerInputError(msg)
    if name not in presets:
        msg = (
            f"onbekende regio {name!r}. Voorinstellingen: {', '.join(presets)}; of gebruik "
            "--gemeenten."
        )
        raise PlekwijzerInputError(msg)
    if source is not None:
        require_known_gemeenten(presets[name].gemeenten, source, region_name=name)
    return presets[name]


def require_known_gemeenten(
    codes: Iterable[str], source: DataSource, *, region_name: str | None = None
) -> None:
    """Refuse gemeente codes that the data directory does not hold, naming each.

    The message suggests the numerically closest existing codes with their names, and
    ``plekwijzer regions`` for the presets.

    Raises
    ------
    PlekwijzerInputError
        When a code is not a gemeente in the kerncijfers table of ``source``.
    """
    table = kerncijfers_from_cbs(source)
    rows = table[table["level"] == "gemeente"]
    known = dict(zip(rows["code"], rows["name"], strict=True))
    unknown = [c for c in codes if c not in known]
    if not unknown:
        return
    hints = []
    for code in unknown:
        near = sorted(known, key=lambda k: (abs(int(k[2:]) - int(code[2:])), k))[:3]
        hints.append(
            f"{code} (dichtstbijzijnde codes: {', '.join(f'{k} {known[k]}' for k in near)})"
        )
    kind = "de synthetische demodata" if source.synthetic else "de CBS-data van 2024"
    subject = "gemeentecode" if len(unknown) == 1 else "gemeentecodes"
    verb = "staat" if len(unknown) == 1 else "staan"
    of_region = f" van regio {region_name!r}" if region_name else ""
    msg = (
        f"{subject}{of_region} {'; '.join(hints)} {verb} niet in {kind}. Verbeter de code; "
        "`plekwijzer regions` toont de voorinstellingen."
    )
    raise PlekwijzerInputError(msg)


def region_summary(region: Region, source: DataSource) -> dict[str, object]:
    """Count buurten and inhabitants of a region in the data directory.

    Inhabitants are CBS's own gemeente totals; buurt figures are rounded and suppressed for
    small buurten, so their sum is slightly lower.

    Returns
    -------
    dict
        ``{"name", "title", "gemeenten", "buurten", "inhabitants", "missing_gemeenten"}``.
    """
    table = kerncijfers_from_cbs(source, gemeenten=region.gemeenten)
    present = set(table["gemeentecode"])
    gemeente_rows = table[table["level"] == "gemeente"]
    buurt_rows = table[table["level"] == "buurt"]
    inhabitants = gemeente_rows["inhabitants"].sum()
    return {
        "name": region.name,
        "title": region.title,
        "gemeenten": list(region.gemeenten),
        "buurten": len(buurt_rows),
        "inhabitants": round(float(inhabitants)),
        "missing_gemeenten": [g for g in region.gemeenten if g not in present],
    }


def available_regions(source: DataSource) -> list[Region]:
    """Presets whose gemeenten are all present in the data directory."""
    codes = set(kerncijfers_from_cbs(source)["gemeentecode"])
    return [r for r in load_region_presets().values() if set(r.gemeenten) <= codes]
