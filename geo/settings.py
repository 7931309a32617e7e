"""Typed, documented constants shared by the whole project.

Column names of the canonical layers live here so that readers, features, the criteria
engine and the front ends agree on one vocabulary.
"""

from __future__ import annotations

from typing import Final

#: Metric CRS for all analysis: Amersfoort / RD New.
CRS_RD: Final[str] = "EPSG:28992"
#: CRS of the web map and of GeoJSON export (RFC 7946).
CRS_WGS84: Final[str] = "EPSG:4326"

#: Environment variable naming the data directory.
DATA_DIR_ENV: Final[str] = "PLEKWIJZER_DATA"
#: Environment variable naming the folder of derived open-data layers (:mod:`geo.layer_cache`);
#: ``off`` switches that cache off.
CACHE_DIR_ENV: Final[str] = "PLEKWIJZER_CACHE_DIR"

#: The controlled vocabulary of facility types (DESIGN §2), Dutch names kept.
FACILITY_TYPES: Final[tuple[str, ...]] = (
    "noaberhuuske",
    "tussenvoorziening",
    "skaeve_huse",
    "nachtopvang",
    "dagopvang",
    "crisisopvang",
    "beschermd_wonen",
    "housing_first",
    "doorstroomwoning",
    "pauzeplek",
    "vrouwenopvang",
)

#: Facility types whose addresses are confidential by default.
CONFIDENTIAL_TYPES: Final[frozenset[str]] = frozenset({"vrouwenopvang"})

#: Facility types a candidate site can be scored for (one profile each).
SITED_TYPES: Final[tuple[str, ...]] = ("noaberhuuske", "tussenvoorziening", "skaeve_huse")

#: Levels of the CBS hierarchy a region's units can be taken at, largest first.
LEVELS: Final[tuple[str, ...]] = ("gemeente", "wijk", "buurt")
#: Column naming a unit's CBS code at each level, on buurten, facilities and sites alike.
LEVEL_CODE_COLUMN: Final[dict[str, str]] = {
    "gemeente": "gemeentecode",
    "wijk": "wijkcode",
    "buurt": "buurtcode",
}

#: CBS marks suppressed or missing values with this number in its own files.
CBS_MISSING: Final[int] = -99999999

# Canonical neighbourhood (buurt) layer: column -> meaning. Wijk and gemeente levels carry
# the same indicator columns with ``code``/``name`` of their own level.
NEIGHBOURHOOD_COLUMNS: Final[dict[str, str]] = {
    "code": "CBS code of the unit (BU…, WK… or GM…)",
    "name": "name of the unit",
    "level": "'buurt', 'wijk' or 'gemeente'",
    "buurtcode": "BU code (buurt level only)",
    "wijkcode": "WK code",
    "gemeentecode": "GM code",
    "gemeentenaam": "gemeente name",
    "inhabitants": "inhabitants (count)",
    "households": "households (count)",
    "land_area_ha": "land area in hectares",
    "address_density_per_km2": "addresses per km² (CBS omgevingsadressendichtheid)",
    "urbanity": "CBS stedelijkheid, 1 very urban … 5 not urban",
    "income_per_inhabitant_keur": "average income per inhabitant, × €1,000",
    "woz_value_keur": "average WOZ value of homes, × €1,000",
    "owner_occupied_pct": "share of owner-occupied homes, %",
    "crimes_per_1000": "registered crimes per 1,000 inhabitants, 12 months",
    "good_health_pct": "share of adults experiencing good health, %",
    "distance_to_gp_km": "average road distance to a GP for residents, km",
    "distance_to_supermarket_km": "average road distance to a supermarket, km",
    "geometry_approximate": "True where the polygon is approximate, not exact",
}

#: Indicator columns that are rates (aggregated by population-weighted mean, not sums).
RATE_COLUMNS: Final[tuple[str, ...]] = (
    "address_density_per_km2",
    "urbanity",
    "income_per_inhabitant_keur",
    "woz_value_keur",
    "owner_occupied_pct",
    "crimes_per_1000",
    "good_health_pct",
    "distance_to_gp_km",
    "distance_to_supermarket_km",
)
#: Indicator columns that are counts or areas (aggregated by sum).
COUNT_COLUMNS: Final[tuple[str, ...]] = ("inhabitants", "households", "land_area_ha")

# Canonical candidate layer (convertible real estate).
CANDIDATE_COLUMNS: Final[dict[str, str]] = {
    "id": "unique identifier of the site (string)",
    "name": "name or address label",
    "use": "current or former use (kantoor, school, zorg, grond, …)",
    "floor_area_m2": "usable floor area in m² (NaN for bare land)",
    "plot_area_m2": "plot area in m² (NaN when unknown)",
    "build_year": "year of construction (NaN when unknown)",
    "owner": "owner (gemeente, corporatie, …)",
    "location_precision": "'point' or 'buurt' (placed at the buurt's representative point)",
}

# Canonical facility register.
FACILITY_COLUMNS: Final[dict[str, str]] = {
    "id": "unique identifier (string)",
    "name": "name",
    "type": "one of FACILITY_TYPES",
    "places": "number of places (beds, units)",
    "confidential": "True: the location never leaves the tool as an exact point",
    "buurtcode": "buurt the facility lies in",
    "location_precision": "'point' or 'buurt'",
}

#: Default search radius for counts of amenities and facilities around a candidate.
DEFAULT_COUNT_RADIUS_M: Final[float] = 500.0

#: Seconds before an online request (Overpass, PDOK) gives up.
NETWORK_TIMEOUT_S: Final[float] = 5.0

#: Places a new site of a sited type adds in a scenario, when the shortlist does not say.
DEFAULT_PLACES: Final[dict[str, int]] = {
    "noaberhuuske": 1,  # one person a night
    "tussenvoorziening": 20,  # about 20 small units (Weer Thuis, DESIGN §2)
    "skaeve_huse": 6,  # 2–12 units; 6 is the middle of Dutch practice
}
