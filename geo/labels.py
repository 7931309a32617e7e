"""Dutch words for the report: facility types, features, operators, indices.

Criteria and constraints carry their own Dutch ``label`` and ``help`` in the profile; this
module names what profiles do not: the feature columns a rule reads, the facility types and
the evenness indices.
"""

from __future__ import annotations

from typing import Any

from geo import nlformat

#: Facility types as people write them.
FACILITY_TYPE_LABELS: dict[str, str] = {
    "noaberhuuske": "Noaberhuuske",
    "tussenvoorziening": "Tussenvoorziening",
    "skaeve_huse": "Skaeve Huse",
    "nachtopvang": "Nachtopvang",
    "dagopvang": "Dagopvang (inloop)",
    "crisisopvang": "Crisisopvang",
    "beschermd_wonen": "Beschermd wonen",
    "housing_first": "Housing First",
    "doorstroomwoning": "Doorstroomwoning",
    "pauzeplek": "Pauzeplek",
    "vrouwenopvang": "Vrouwenopvang",
}

#: Feature columns (as profiles name them) in Dutch, with their unit.
FEATURE_LABELS: dict[str, str] = {
    "floor_area_m2": "vloeroppervlak (m²)",
    "plot_area_m2": "kaveloppervlak (m²)",
    "use": "huidig gebruik",
    "build_year": "bouwjaar",
    "distance_to_bus_tram_stop_m": "afstand tot bus- of tramhalte (m)",
    "distance_to_rail_station_m": "afstand tot treinstation (m)",
    "distance_to_facility_m": "afstand tot bestaande voorziening (m)",
    "distance_to_dagopvang_m": "afstand tot dagopvang (m)",
    "distance_to_dwelling_m": "afstand tot woningen (m)",
    "measured_distance_to_dwelling_m": "gemeten afstand tot woningen (m)",
    "distance_to_main_road_m": "afstand tot hoofdweg (m)",
    "facilities_within_1000m": "voorzieningen binnen 1 km",
    "proxy_address_density_per_km2": "adressen per km² in de buurt (benadering)",
    "address_density_per_km2": "adressen per km²",
    "draagkracht": "draagkracht (0–1)",
    "facilities_per_10k": "voorzieningen per 10.000 inwoners",
    "distance_to_supermarket_km": "afstand tot supermarkt (km)",
    "distance_to_gp_km": "afstand tot huisarts (km)",
    "distance_to_sensitive_m": "afstand tot gevoelige functies (m)",
    "walk_to_bus_tram_stop_m": "loopafstand tot bus- of tramhalte (m)",
    "walk_to_rail_station_m": "loopafstand tot treinstation (m)",
    "walk_to_dagopvang_m": "loopafstand tot dagopvang (m)",
    "walk_to_facility_m": "loopafstand tot bestaande voorziening (m)",
    "addresses_within_100m": "adressen binnen 100 m",
    "addresses_within_250m": "adressen binnen 250 m",
    "separated_by_main_road": "hoofdweg tussen plek en woningen (0/1)",
    "bus_tram_stops_within_500m": "bus- en tramhaltes binnen 500 m",
    "facility_places_within_1000m": "plaatsen in voorzieningen binnen 1 km",
    "home_density_per_km2": "woningen per km²",
    "inhabitants": "inwoners",
    "households": "huishoudens",
}

#: What a user can add to get a feature that is missing: the layer that gives it.
_ROADS_HINT = (
    "lever een wegennet aan (--roads, of 'Wegen' onder Eigen bestanden) of zet het in de datamap"
)
_ADDRESS_HINT = (
    "lever adrespunten aan (--dwellings, of 'Adrespunten' onder Eigen bestanden) of zet een "
    "BAG-GeoPackage in de datamap"
)
FEATURE_SOURCES: dict[str, str] = {
    "separated_by_main_road": f"{_ROADS_HINT}, met adrespunten die de plekken dekken",
    "distance_to_main_road_m": _ROADS_HINT,
    "distance_to_sensitive_m": f"{_ADDRESS_HINT}, of OSM-scholen (--sensitive-osm)",
    "distance_to_dwelling_m": _ADDRESS_HINT,
    "walk_to_dagopvang_m": "lever een register met een dagopvang aan (--facilities)",
    "distance_to_facility_m": "lever een register van voorzieningen aan (--facilities)",
    "floor_area_m2": "geef de kandidatenlijst een kolom floor_area_m2",
    "plot_area_m2": "geef de kandidatenlijst een kolom plot_area_m2",
    "use": "geef de kandidatenlijst een kolom use",
}


def missing_feature_hint(feature: str) -> str:
    """Return what a user can add to get a missing feature, in Dutch.

    Examples
    --------
    >>> missing_feature_hint("floor_area_m2")
    'geef de kandidatenlijst een kolom floor_area_m2'
    >>> missing_feature_hint("something_else")
    'lever een laag of kolom aan die dit kenmerk geeft'
    """
    return FEATURE_SOURCES.get(feature, "lever een laag of kolom aan die dit kenmerk geeft")


#: Operators of constraints as words.
OPERATOR_LABELS: dict[str, str] = {
    ">=": "≥",
    "<=": "≤",
    ">": ">",
    "<": "<",
    "==": "=",
    "!=": "≠",
    "in": "is een van",
    "not in": "is geen van",
}

#: The one headline evenness index of every front end (CLI, app, report): the Gini of places
#: per 10,000 inhabitants over the units, each unit weighted by its inhabitants — every
#: inhabitant counts once, as in the fair share and the evenness-aware shortlist.
HEADLINE_INDEX = "gini_pop_weighted"
#: Its name, the same wherever it is shown.
HEADLINE_LABEL = "Gini (plaatsen per 10.000 inwoners)"

#: Evenness indices shown in the report, in order, with a Dutch name; the headline first,
#: the unweighted Gini only under its own name.
INDEX_LABELS: dict[str, str] = {
    HEADLINE_INDEX: HEADLINE_LABEL,
    "gini": "Gini ongewogen (elke gemeente telt één keer)",
    "theil": "Theil-index",
    "hoover": "Hoover-index (aandeel plaatsen dat zou moeten verschuiven)",
}

#: Weighting methods in words.
WEIGHTING_LABELS: dict[str, str] = {
    "direct": "directe gewichten",
    "rank_sum": "rangorde (rank sum)",
    "rank_reciprocal": "rangorde (reciproque)",
    "ahp": "paarsgewijze vergelijking (AHP)",
}

#: Aggregation methods in words.
AGGREGATION_LABELS: dict[str, str] = {
    "weighted_sum": "gewogen som (criteria compenseren elkaar)",
    "geometric_mean": "gewogen meetkundig gemiddelde (een zwak punt weegt zwaar)",
}


def feature_label(feature: str) -> str:
    """Return the Dutch name of a feature column; ``buurt_`` features name the buurt.

    Examples
    --------
    >>> feature_label("buurt_distance_to_gp_km")
    'afstand tot huisarts (km), gemiddeld in de buurt'
    >>> feature_label("unknown_thing")
    'unknown_thing'
    """
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature]
    if feature.startswith("buurt_") and feature[6:] in FEATURE_LABELS:
        return f"{FEATURE_LABELS[feature[6:]]}, gemiddeld in de buurt"
    return feature


def rule_text(feature: str, op: str, value: Any) -> str:
    """Return one clause of a constraint as Dutch text.

    Examples
    --------
    >>> rule_text("floor_area_m2", ">=", 500)
    'vloeroppervlak (m²) ≥ 500'
    >>> rule_text("use", "in", ("grond", "kantoor"))
    'huidig gebruik is een van grond, kantoor'
    """
    if isinstance(value, list | tuple):
        shown = ", ".join(map(str, value))
    elif isinstance(value, int | float):
        shown = nlformat.number(value, decimals=0 if float(value).is_integer() else 2)
    else:
        shown = str(value)
    return f"{feature_label(feature)} {OPERATOR_LABELS.get(op, op)} {shown}"


def type_label(facility_type: str) -> str:
    """Return the Dutch name of a facility type (the identifier when unknown)."""
    return FACILITY_TYPE_LABELS.get(facility_type, facility_type)


#: One facility of a type in running text, after "van": "binnen 2 km van een Noaberhuuske".
FACILITY_PHRASES: dict[str, str] = {
    "noaberhuuske": "een Noaberhuuske",
    "tussenvoorziening": "een tussenvoorziening",
    "skaeve_huse": "een Skaeve Huse-locatie",
    "nachtopvang": "een nachtopvang",
    "dagopvang": "een dagopvang (inloop)",
    "crisisopvang": "een crisisopvang",
    "beschermd_wonen": "een voorziening voor beschermd wonen",
    "housing_first": "een Housing First-woning",
    "doorstroomwoning": "een doorstroomwoning",
    "pauzeplek": "een pauzeplek",
    "vrouwenopvang": "een vrouwenopvang",
}


def facility_phrase(facility_type: str | None) -> str:
    """Return which facilities a distance share counts, to follow "binnen 2 km".

    The Spreiding tab counts every type unless one is chosen, Bereik only the profile's own
    type: each share says which, so the two are not read as one figure that disagrees.

    Examples
    --------
    >>> facility_phrase(None)
    'van een voorziening (alle typen)'
    >>> facility_phrase("noaberhuuske")
    'van een Noaberhuuske'
    >>> facility_phrase("woonwagen")
    'van een voorziening (woonwagen)'
    """
    if facility_type is None:
        return "van een voorziening (alle typen)"
    phrase = FACILITY_PHRASES.get(facility_type, f"een voorziening ({type_label(facility_type)})")
    return f"van {phrase}"
