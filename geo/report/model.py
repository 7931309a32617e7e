"""What the council report is made from: :class:`ReportInput` and :class:`SourceNote`.

The report renders plain inputs (a scored table, the profile, the buurten, the spread
report), so any front end that ran a scenario can print it: the CLI, the app, or
``criteria.scenario.run_scenario``'s result turned into a :class:`ReportInput`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd

from geo.datadir import DataSource
from geo.paths import BUS_TRAM_STOPS, KWB_BUURT_GEOMETRY, KWB_TABLE, PROJECT_ROOT, RAIL_STATIONS
from geo.spread_result import ScenarioSpread, SpreadReport

if TYPE_CHECKING:  # geo never imports criteria at run time (criteria depends on geo)
    from criteria.profiles import Profile
    from criteria.sensitivity import SensitivityReport


@dataclass(frozen=True)
class SourceNote:
    """One data source as the cover lists it.

    Attributes
    ----------
    name
        What it is, in Dutch (``"CBS Kerncijfers wijken en buurten"``).
    date
        Its date or vintage (``"2024"``, ``"juli 2015"``).
    note
        What a reader should know (approximate borders, age, licence).
    illustrative
        True when the data are made up for illustration, not real.
    """

    name: str
    date: str
    note: str = ""
    illustrative: bool = False


#: What the report's selected sites are: the score's top-N shortlist or a regional plan.
Selection = Literal["shortlist", "verdeelplan"]


@dataclass(frozen=True)
class SelectionWords:
    """The Dutch phrases that name the report's selected sites, for one :data:`Selection`.

    Attributes
    ----------
    the
        The selection as a noun (``"de shortlist"``, ``"het verdeelplan"``).
    with_
        "With the selection", in a sentence (``"met de shortlist"``).
    with_short
        The same in a column header (``"Met shortlist"``).
    on
        Where a site is (``"op de shortlist"``, ``"in het verdeelplan"``).
    annex_label
        The annex's heading of the selection's settings (``"Shortlist"``).
    new_places
        How a new site's places count in the spread after, for the method text.
    rank_note
        What the rank column means next to the selection, under the region map's table.
    sensitivity_note
        What the weight sensitivity in the annex is about, before its sentences.
    """

    the: str
    with_: str
    with_short: str
    on: str
    annex_label: str
    new_places: str
    rank_note: str
    sensitivity_note: str = ""


#: The one place the report's words for its selection are defined.
SELECTION_WORDS: dict[str, SelectionWords] = {
    "shortlist": SelectionWords(
        the="de shortlist",
        with_="met de shortlist",
        with_short="met shortlist",
        on="op de shortlist",
        annex_label="Shortlist",
        new_places="Nieuwe locaties tellen mee met het standaard aantal plaatsen van het "
        "voorzieningstype.",
        rank_note="Rang: de plaats op score; een rang die ontbreekt is hieronder verklaard.",
    ),
    "verdeelplan": SelectionWords(
        the="het verdeelplan",
        with_="met het plan",
        with_short="met het plan",
        on="in het verdeelplan",
        annex_label="Verdeelplan",
        new_places="Nieuwe locaties tellen mee met hun aantal plaatsen uit de inventaris, "
        "anders het standaard aantal van het voorzieningstype.",
        rank_note="Rang: de plaats op score. Het verdeelplan kiest per gemeente naar de "
        "sleutel, dus niet altijd de hoogste rangen (zie de pagina Verdeelplan).",
        # The sensitivity varies the weights and watches the score ranking; the plan is
        # drawn from that ranking but also follows the key, so say which one it is about.
        sensitivity_note="Dit gaat over de rangorde op score waaruit het verdeelplan kiest, "
        "niet over de verdeling van het plan zelf.",
    ),
}


@dataclass(frozen=True)
class ReportInput:
    """Everything one council report shows.

    Attributes
    ----------
    region_title
        The region as people name it (``"Drechtsteden/Alblasserwaard"``).
    profile
        The facility profile used (:class:`criteria.profiles.Profile`): its name is the
        facility type; its criteria and constraints give the Dutch labels, help and rules.
    table
        The scored candidates in EPSG:28992, as ``criteria.run.ScoringRun.table``: ``id``,
        ``name``, ``score``, ``rank``, ``excluded``, ``exclusion_reasons``,
        ``shortlisted``, ``buurtcode``, ``gemeentecode``, ``raw__``/``transformed__``/
        ``contribution__<criterion>``; optional ``use``, ``location_precision``,
        ``checks`` (list of ``{"rule", "reason"}`` to verify on site), ``stability``
        (share in [0, 1] of weight variations that keep the site in the top N) and
        ``skip_reason`` (why a site ranked above the last pick was not picked).
        ``shortlisted`` marks the report's selected sites (see ``selection``).
    buurten
        The region's buurten (EPSG:28992) with ``code``, ``name``, ``gemeentecode`` and
        ``draagkracht``.
    spread
        :func:`geo.spread_report.scenario_report` at gemeente level, the spread before and
        after the selected sites; a :class:`~geo.spread_result.SpreadReport` shows the
        present spread only.
    facilities
        The facility register; only its public rows are drawn
        (:func:`geo.facilities.public_view`); confidential ones count in the totals only.
    weights
        Normalised weights used, by criterion; default the profile's.
    sources
        Data sources for the cover.
    illustrative
        Sentences saying what in this report is illustrative rather than real.
    shortlist_options
        How the selected sites were picked: the shortlist's settings (``top_n``,
        ``min_spacing_m``, ``max_per_buurt``, ``max_per_gemeente``, ``evenness_weight``) or,
        for a ``"verdeelplan"``, the plan's (``places``, ``key``, ``evenness``,
        ``min_spacing_m``, ``max_per_buurt``).
    sensitivity
        :func:`criteria.sensitivity.sensitivity_report`'s result, if it was run.
    coverage
        A coverage plan (:class:`criteria.coverage_plan.CoveragePlan`: ``result`` and
        ``summary_nl()``), if one was asked for.
    plan
        A regional plan (:class:`criteria.plan_result.PlanResult`: ``gemeenten``,
        ``frontier``, ``index_before``/``index_after``, ``mean_score``…), if one was asked
        for: the page "Verdeelplan".
    zoekgebieden
        A surface with its zoekgebieden (:class:`criteria.surface.ScenarioSurface`:
        ``surface`` with ``score``, ``excluded``, ``grid``; ``areas``; ``area_options``), if
        the scenario asked for one: the page "Zoekgebieden".
    created
        When the scenario ran.
    roads
        Road lines (EPSG:28992, ``main_road``) drawn on the site maps where they reach, or
        None.
    selection
        What the selected sites (``shortlisted``) are: ``"shortlist"``, the score's top N,
        or ``"verdeelplan"``, the sites of ``plan``. Every text naming them follows it
        (:attr:`words`).
    """

    region_title: str
    profile: Profile
    table: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    spread: ScenarioSpread | SpreadReport
    facilities: gpd.GeoDataFrame | None = None
    weights: Mapping[str, float] | None = None
    sources: Sequence[SourceNote] = ()
    illustrative: Sequence[str] = ()
    shortlist_options: Mapping[str, Any] = field(default_factory=dict)
    sensitivity: SensitivityReport | None = None
    coverage: Any | None = None
    plan: Any | None = None
    zoekgebieden: Any | None = None
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    roads: gpd.GeoDataFrame | None = None
    selection: Selection = "shortlist"

    @property
    def words(self) -> SelectionWords:
        """The Dutch phrases naming the selected sites (:data:`SELECTION_WORDS`)."""
        return SELECTION_WORDS[self.selection]

    @property
    def used_weights(self) -> dict[str, float]:
        """Weights by criterion name: the given ones, else the profile's."""
        if self.weights is not None:
            return {k: float(v) for k, v in self.weights.items()}
        return {k: float(v) for k, v in self.profile.weights.items()}


def data_sources(source: DataSource, inputs: Mapping[str, Any]) -> list[SourceNote]:
    """List the sources a region's run read, with their dates, for the cover.

    Parameters
    ----------
    source
        The data directory (synthetic or real).
    inputs
        ``{"candidates", "facilities", "roads"}`` file names as the scenario records them
        (``"none"`` or None when absent).

    Returns
    -------
    list of SourceNote
    """
    if source.synthetic:
        notes = [
            SourceNote(
                "Demoregio van Plekwijzer",
                "gegenereerd",
                "verzonnen gemeenten, buurten en cijfers om het programma te tonen",
                illustrative=True,
            )
        ]
    else:
        notes = []
        if source.has(KWB_TABLE):
            notes.append(
                SourceNote(
                    "CBS Kerncijfers wijken en buurten",
                    "2024",
                    "inwoners en buurtkenmerken; Bron: CBS (CC BY 4.0)",
                )
            )
        if source.has(KWB_BUURT_GEOMETRY):
            notes.append(
                SourceNote(
                    "Buurtgrenzen (PDOK/CBS, gegeneraliseerd)",
                    "2024",
                    "benaderde grenzen (tot enkele tientallen meters afwijking); goed voor "
                    "kaarten, niet voor precieze afstanden tot een grens",
                )
            )
        if source.has(BUS_TRAM_STOPS):
            notes.append(
                SourceNote(
                    "Bus- en tramhaltes (OVapi)",
                    "juli 2015",
                    "haltes van na 2015 ontbreken; geen dienstregeling",
                )
            )
        if source.has(RAIL_STATIONS):
            notes.append(SourceNote("Treinstations (Centraal Haltebestand)", "2026"))
    for key, name in (
        ("candidates", "Inventaris van mogelijke locaties"),
        ("facilities", "Register van bestaande voorzieningen"),
        ("roads", "Wegen (OpenStreetMap)"),
        ("dwellings", "Adrespunten (gemeten afstand tot woningen)"),
    ):
        given = inputs.get(key)
        if not given or str(given) == "none":
            continue
        for path in str(given).split(";"):  # the data directory may give several files
            if path.startswith("upload:"):
                notes.append(_upload_note(name, path))
                continue
            illustrative = source.synthetic or _is_illustrative(path)
            note = "illustratief: geen echte locaties" if illustrative else Path(path).name
            # Files of the shared data directory carry their data's own date, not the copy's.
            date = KNOWN_DATES.get(Path(path).name) or _file_date(path)
            notes.append(SourceNote(name, date, note, illustrative=illustrative))
    return notes


#: Dates of the data (not of the copy on disk) of files that ../shared/data holds (its
#: SOURCES.md).
KNOWN_DATES = {
    "address_points_enschede_2012.gpkg": "november 2012",
    "osm_highways_enschede_2023-12.gpkg": "24 december 2023",
}


def _upload_note(name: str, label: str) -> SourceNote:
    """Describe a file uploaded in the app: by file name, dated by the day it was read.

    The app labels an upload ``upload:<file name>#sha256:<hash>#gelezen:<YYYY-MM-DD>``.
    """
    from geo import nlformat

    parts = label.removeprefix("upload:").split("#")
    read = next((p.removeprefix("gelezen:") for p in parts if p.startswith("gelezen:")), None)
    try:
        date = nlformat.date(dt.date.fromisoformat(read)) if read else "onbekend"
    except ValueError:
        date = "onbekend"
    return SourceNote(name, f"gelezen {date}", f"geüpload bestand {parts[0]}")


def _is_illustrative(path: str | Path) -> bool:
    resolved = Path(str(path))
    if not resolved.is_absolute():
        resolved = PROJECT_ROOT / resolved
    illustrative_dir = PROJECT_ROOT / "data" / "illustrative"
    return resolved.resolve().is_relative_to(illustrative_dir) or "illustrative" in resolved.name


def _file_date(path: str | Path) -> str:
    """Date the file was last changed, as Dutch text; 'onbekend' when unreadable."""
    from geo import nlformat

    resolved = Path(str(path))
    if not resolved.is_absolute() and not resolved.exists():
        resolved = PROJECT_ROOT / resolved
    try:
        stamp = dt.datetime.fromtimestamp(resolved.stat().st_mtime, tz=dt.UTC)
    except OSError:
        return "onbekend"
    return nlformat.date(stamp)


def illustrative_notes(sources: Sequence[SourceNote]) -> list[str]:
    """Sentences for the cover saying what is illustrative, from the source notes."""
    notes = []
    for note in sources:
        if note.illustrative:
            notes.append(f"{note.name}: verzonnen voor dit voorbeeld, geen echte gegevens.")
    return notes
