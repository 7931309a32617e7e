"""Checks of a scenario file's bytes and fields: a bounded parse and typed field checks.

Plumbing of :mod:`criteria.scenario_file`. :func:`parse_bounded` refuses a file that is too
big or nests too deep before :func:`json.loads` can recurse or allocate, reads a byte-order
mark, and keeps ``NaN``/``Infinity`` as :class:`NotFinite` so the field holding one can be
named. The checks (:func:`number`, :func:`text`, :func:`record`, …) take ``(value, field
path)``, return the value in its Python type and raise :class:`FieldError` naming the field;
numbers are ranged by :mod:`criteria.limits`, as the CLI options are. :data:`LAYOUT_3` is
the whole file's schema.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from criteria import limits
from criteria._errors import ScenarioFileError
from criteria.scenario import SPREAD_LEVELS, ShortlistOptions
from criteria.scenario_inputs import INPUT_FILES, UploadRef
from geo.nlformat import integer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Every byte but quotes, backslashes and brackets (UTF-8 multi-byte characters never hold
# one), and a string of what is left (possessive: linear even when unterminated).
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"\\[]{}'))
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_PAIR = re.compile(rb"\[\]|\{\}")


def _structure(text: str) -> bytes:
    """Return the brackets of a JSON text, those inside strings left out (all at C speed)."""
    brackets = _STRING.sub(b"", text.encode("utf-8").translate(None, _NOT_STRUCTURE))
    return brackets.replace(b"\\", b"")


def _nested_deeper(brackets: bytes, max_depth: int) -> bool:
    """Whether objects and lists nest deeper than ``max_depth``, without recursion.

    Each round removes every innermost ``[]`` and ``{}``; a structure of depth d is gone
    after d rounds. One that still shrinks after ``max_depth`` rounds nests deeper; one that
    stops shrinking earlier is not valid JSON, which the parser then names.
    """
    for _ in range(max_depth):
        inner = _PAIR.sub(b"", brackets)  # one pass: "{[]}" loses one level, not two
        if inner == brackets:
            return False
        brackets = inner
    return _PAIR.sub(b"", brackets) != brackets


@dataclass(frozen=True)
class NotFinite:
    """Stand in for ``NaN``/``Infinity`` until the field holding it can be named."""

    text: str


def parse_bounded(
    raw: bytes,
    *,
    source: str | Path | None,
    max_bytes: int,
    max_depth: int,
    max_containers: int,
) -> Any:
    """Parse JSON bytes within bounds, before the parser can recurse or allocate much.

    Parameters
    ----------
    raw
        The file's bytes (read at most ``max_bytes + 1``).
    source
        The file, named in messages.
    max_bytes, max_depth, max_containers
        Largest size, deepest nesting and most objects and lists accepted (millions of
        small lists take the parser seconds).

    Returns
    -------
    Any
        The parsed JSON; ``NaN`` and ``Infinity`` (and numbers too big for a float) are
        :class:`NotFinite` for :func:`not_finite_field` to name.

    Raises
    ------
    ScenarioFileError
        Too big, empty, not text, too deep, or not JSON.
    """
    if len(raw) > max_bytes:
        msg = (
            f"groter dan {max_bytes // 2**20} MB; een scenariobestand is enkele kB: "
            "is dit het goede bestand?"
        )
        raise ScenarioFileError(msg, source=source)
    if not raw.strip():
        msg = "het bestand is leeg; maak een scenario met `plekwijzer score` of de app"
        raise ScenarioFileError(msg, source=source)
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        msg = f"geen UTF-8-tekst (byte {err.start + 1}); sla het op als UTF-8-JSON"
        raise ScenarioFileError(msg, source=source) from err
    if not text.lstrip().startswith("{"):
        msg = "geen Plekwijzer-scenario (een JSON-object verwacht); gebruik een .scenario.json"
        raise ScenarioFileError(msg, source=source)
    brackets = _structure(text)
    if (containers := brackets.count(b"[") + brackets.count(b"{")) > max_containers:
        msg = (
            f"{integer(containers)} objecten en lijsten, meer dan de {integer(max_containers)} "
            "die een scenariobestand kan hebben: is dit het goede bestand?"
        )
        raise ScenarioFileError(msg, source=source)
    if _nested_deeper(brackets, max_depth):
        msg = (
            f"dieper genest dan {max_depth} niveaus; een scenario is 4 niveaus diep: is dit "
            "het goede bestand?"
        )
        raise ScenarioFileError(msg, source=source)
    try:
        return json.loads(text, parse_constant=NotFinite, parse_float=_finite_float)
    except json.JSONDecodeError as err:
        msg = f"geen geldige JSON op regel {err.lineno}, kolom {err.colno}; herstel dat"
        raise ScenarioFileError(msg, source=source) from err
    except (ValueError, RecursionError) as err:  # e.g. an integer of more than 4,300 digits
        msg = f"geen bruikbaar JSON-bestand ({str(err).split(';')[0]}); herstel de waarde"
        raise ScenarioFileError(msg, source=source) from err


def _finite_float(text: str) -> float | NotFinite:
    value = float(text)
    return value if value not in (float("inf"), float("-inf")) else NotFinite(text)


def not_finite_field(value: Any, path: str = "") -> tuple[str, str] | None:
    """Return ``(field path, text)`` of the first ``NaN``/``Infinity`` in parsed data."""
    if isinstance(value, NotFinite):
        return path, value.text
    if not isinstance(value, dict | list):
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found = not_finite_field(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


Check = Callable[[Any, str], Any]


class FieldError(Exception):
    """A field problem on its way to a :class:`ScenarioFileError`."""

    def __init__(self, problem: str, field: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def fail(field: str, problem: str) -> NoReturn:
    raise FieldError(problem, field)


def number(rng: limits.NumberRange, *, nullable: bool = False) -> Check:
    def check(value: Any, field: str) -> Any:
        if value is None and nullable:
            return None
        if problem := rng.problem(value):
            fail(field, problem)
        return int(value) if rng.whole else float(value)

    return check


def text(*, nullable: bool = True, longest: int = 4096) -> Check:
    def check(value: Any, field: str) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip() or "\0" in value:
            fail(field, f"{value!r} is geen tekst; zet de tekst tussen aanhalingstekens")
        if len(value) > longest:
            fail(field, f"tekst van {len(value)} tekens; hoogstens {longest}")
        return value

    return check


def flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        fail(field, f"{value!r} is geen true of false")
    return value


def choice(options: Sequence[str]) -> Check:
    def check(value: Any, field: str) -> Any:
        if value not in options:
            fail(field, f"{value!r}: kies uit {', '.join(options)}")
        return value

    return check


def list_of(item: Check, *, longest: int = 100_000, nullable: bool = False) -> Check:
    def check(value: Any, field: str) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, list):
            fail(field, f"{type(value).__name__} waar een lijst [...] hoort")
        if len(value) > longest:
            fail(field, f"{len(value)} elementen; hoogstens {longest}")
        return [item(v, f"{field}[{i}]") for i, v in enumerate(value)]

    return check


def mapping_of(value_check: Check, *, longest: int = 1000) -> Check:
    def check(value: Any, field: str) -> Any:
        if not isinstance(value, dict):
            fail(field, f"{type(value).__name__} waar een object {{...}} hoort")
        if len(value) > longest:
            fail(field, f"{len(value)} elementen; hoogstens {longest}")
        return {key: value_check(v, f"{field}.{key}") for key, v in value.items()}

    return check


def record(fields: Mapping[str, tuple[Check, Any]], *, nullable: bool = False) -> Check:
    """Check an object of known fields, each ``(check, default)``; refuse unknown ones."""

    def check(value: Any, field: str) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            fail(field, f"{type(value).__name__} waar een object {{...}} hoort")
        prefix = f"{field}." if field else ""
        if unknown := [key for key in value if key not in fields]:
            fail(
                prefix + unknown[0],
                f"onbekend veld; haal het weg (hier bekend: {', '.join(fields)})",
            )
        return {
            key: (chk(value[key], prefix + key) if key in value else default)
            for key, (chk, default) in fields.items()
        }

    return check


# --- layout 3 -----------------------------------------------------------------------------

_UPLOAD = record(
    {
        "file": (text(nullable=False, longest=255), None),
        "sha256": (text(nullable=False, longest=64), None),
    }
)


def _upload_or_path(value: Any, field: str) -> Any:
    """Check an input: a path as the user gave it, or an upload ``{"file", "sha256"}``."""
    if not isinstance(value, dict):
        return text()(value, field)
    ref = _UPLOAD(value, field)
    if ref["file"] is None or ref["sha256"] is None:
        fail(field, 'een upload vraagt {"file": naam, "sha256": hexcode}')
    if Path(ref["file"]).name != ref["file"] or "\\" in ref["file"]:
        fail(f"{field}.file", "een geüpload bestand heeft een naam zonder map")
    if not re.fullmatch(r"[0-9a-fA-F]{16,64}", ref["sha256"]):
        fail(f"{field}.sha256", "geen sha256-hexcode; schrijf het scenario opnieuw")
    return UploadRef(ref["file"], ref["sha256"].lower()).label


def _rule_values(value: Any, field: str) -> Any:
    """Check a rule override: one value per clause, a number or (``in``) a list of texts."""
    if not isinstance(value, list) or not value:
        fail(field, "geef één waarde per voorwaarde van de eis, als lijst, bijv. [800]")
    out: list[Any] = []
    for i, item in enumerate(value):
        if isinstance(item, list):
            out.append(tuple(list_of(text(nullable=False, longest=200))(item, f"{field}[{i}]")))
        elif isinstance(item, str):
            out.append(text(nullable=False, longest=1000)(item, f"{field}[{i}]"))
        elif isinstance(item, bool) or not isinstance(item, int | float):
            fail(f"{field}[{i}]", f"{item!r} is geen getal of lijst van teksten")
        else:
            out.append(item)
    return tuple(out)


_SHORTLIST = record(
    {
        "top_n": (number(limits.TOP_N), ShortlistOptions.top_n),
        "min_spacing_m": (number(limits.SPACING_M), ShortlistOptions.min_spacing_m),
        "max_per_buurt": (number(limits.CAP, nullable=True), None),
        "max_per_gemeente": (number(limits.CAP, nullable=True), None),
        "evenness_weight": (number(limits.EVENNESS), ShortlistOptions.evenness_weight),
    }
)
INPUTS = record(
    {
        "data_dir": (text(), None),
        **dict.fromkeys(INPUT_FILES, (_upload_or_path, None)),
        "candidates_layer": (text(longest=200), None),
        "facilities_layer": (text(longest=200), None),
        "default_places": (number(limits.DEFAULT_PLACES, nullable=True), None),
        "use_defaults": (flag, False),
    }
)
_COVERAGE = record(
    {
        "reach_m": (number(limits.REACH_M), None),
        "sites": (number(limits.CAP, nullable=True), None),
    },
    nullable=True,
)
_PLAN = record(
    {
        "places": (number(limits.PLAN_PLACES), None),
        "key": (text(nullable=False, longest=1000), "inwoners"),
        "count_types": (text(nullable=False, longest=1000), "all"),
        "evenness": (number(limits.EVENNESS), 1.0),
        "min_spacing_m": (number(limits.SPACING_M), 0.0),
        "max_per_buurt": (number(limits.CAP, nullable=True), None),
        "time_limit_s": (number(limits.PLAN_TIME_S), 20.0),
    },
    nullable=True,
)

_SURFACE = record(
    {
        "gemeenten": (
            list_of(text(nullable=False, longest=20), longest=400, nullable=True),
            None,
        ),
        "cell_m": (number(limits.SURFACE_CELL_M), 25.0),
        "min_score": (number(limits.SURFACE_MIN_SCORE), 0.6),
        "min_area_m2": (number(limits.SURFACE_AREA_M2), 0.0),
        "top": (number(limits.CAP, nullable=True), None),
        "min_distance_m": (number(limits.SURFACE_DISTANCE_M), 1000.0),
    },
    nullable=True,
)


def _plan_record(value: Any, field: str) -> Any:
    """Keep the plan's own result record as written by the run (a record, never trusted)."""
    if value is not None and not isinstance(value, dict):
        fail(field, f"{type(value).__name__} waar een object {{...}} hoort")
    return value


_RESULT = record(
    {
        "shortlist": (list_of(text(nullable=False, longest=200)), []),
        "created": (text(longest=64), None),
        "synthetic_data": (lambda v, f: None if v is None else flag(v, f), None),
        "versions": (mapping_of(text(longest=64), longest=100), {}),
        "warnings": (list_of(text(nullable=False), longest=1000), []),
        "coverage": (
            record(
                {
                    "model": (choice(("lscp", "mclp")), None),
                    "reach_kind": (text(longest=200), None),
                    "new_sites": (list_of(text(nullable=False, longest=200)), []),
                },
                nullable=True,
            ),
            None,
        ),
        "plan": (_plan_record, None),
    },
    nullable=True,
)


def _profile_field(value: Any, field: str) -> Any:
    if isinstance(value, dict):
        return value
    return text(nullable=False, longest=4096)(value, field)


LAYOUT_3 = record(
    {
        "plekwijzer_scenario": (number(limits.NumberRange(3, 3, whole=True)), 3),
        "region": (text(longest=100), None),
        "gemeenten": (
            list_of(text(nullable=False, longest=20), longest=400, nullable=True),
            None,
        ),
        "profile": (_profile_field, None),
        "profile_sha256": (text(longest=64), None),
        "weights": (mapping_of(number(limits.WEIGHT)), {}),
        "constraints": (mapping_of(_rule_values), {}),
        "shortlist": (_SHORTLIST, None),
        "inputs": (INPUTS, None),
        "spread_level": (choice(SPREAD_LEVELS), "gemeente"),
        "sensitivity": (number(limits.SENSITIVITY), 0),
        "coverage": (_COVERAGE, None),
        "plan": (_PLAN, None),
        # Raster criteria: name -> GeoTIFF, as the user gave it (--raster NAME=FILE).
        "rasters": (mapping_of(text(nullable=False, longest=4096), longest=50), {}),
        # A surface and its zoekgebieden (plekwijzer surface; the report page).
        "surface": (_SURFACE, None),
        "result": (_RESULT, None),
    }
)
