"""Command-line front end: ``plekwijzer regions|profiles|score|plan|surface|spread|…``.

A thin layer: flags become a :class:`criteria.scenario.Scenario`, :func:`criteria.run.
run_scenario` computes, this module writes and prints. Every expected failure is a
:class:`geo._errors.PlekwijzerError`: one line on stderr and exit code 2, no traceback;
Ctrl-C exits 130. Heavy libraries are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from criteria import limits
from criteria.limits import NumberRange
from geo._errors import PlekwijzerError, PlekwijzerInputError

if TYPE_CHECKING:
    from geo.spread_result import ScenarioSpread, SpreadReport

LEVELS = ("gemeente", "wijk", "buurt")


def _say(message: str) -> None:
    print(message, file=sys.stderr)


#: argparse's own messages (its wording in Python 3.11 to 3.13) and their Dutch text. argparse
#: passes them through gettext but no Dutch catalogue exists, and installing one would change
#: every program in the process; the parser translates its own errors instead. The last
#: pattern keeps our own type errors ("argument --top: ..."), which are Dutch already.
_ARGPARSE_NL: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), dutch)
    for pattern, dutch in (
        (r"the following arguments are required: (.+)", r"ontbreekt: \1"),
        (r"unrecognized arguments: (.+)", r"onbekende opties of waarden: \1"),
        (r"argument (\S+): expected one argument", r"\1 vraagt een waarde"),
        (r"argument (\S+): expected at most one argument", r"\1 neemt hoogstens één waarde"),
        (r"argument (\S+): expected at least one argument", r"\1 vraagt minstens één waarde"),
        (r"argument (\S+): expected (\d+) arguments?", r"\1 vraagt \2 waarden"),
        (
            r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)",
            r"\1: \2 is geen keuze; kies uit \3",
        ),
        (r"argument (\S+): invalid (\S+) value: (.+)", r"\1: \3 is geen geldige waarde"),
        (r"argument (\S+): not allowed with argument (\S+)", r"\1 gaat niet samen met \2"),
        (r"argument (\S+): ignored explicit argument (.+)", r"\1 neemt geen waarde (kreeg \2)"),
        (r"one of the arguments (.+) is required", r"geef een van \1"),
        (r"ambiguous option: (\S+) could match (.+)", r"optie \1 is niet eenduidig: \2"),
        (r"unexpected option string: (.+)", r"onverwachte optie \1"),
        (r"argument (\S+): (.+)", r"\1: \2"),
    )
)


def _argparse_nl(message: str) -> str:
    """Return argparse's English ``message`` in Dutch (unchanged when it is not known)."""
    for pattern, dutch in _ARGPARSE_NL:
        match = pattern.fullmatch(message)
        if match:
            return match.expand(dutch)
    return message


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with the Dutch word for its usage line."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An argument parser in Dutch whose errors are one line (no usage block) and exit code 2.

    Its headings, its own ``-h/--help`` and the messages argparse raises (a missing option,
    an unknown one, a value out of choice) read in Dutch; option names stay as they are.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        # The two default groups carry English titles and argparse has no option to name them.
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        for action in self._actions:
            if "--help" in action.option_strings:
                action.help = "toon deze hulp en stop"

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"plekwijzer: fout: {_argparse_nl(message)} (zie {self.prog} --help)\n")


def _number(allowed: NumberRange) -> Any:
    """Parse an option within the range a scenario file allows for the same field."""

    def parse(text: str) -> Any:
        try:
            value = (int if allowed.whole else float)(text)
        except ValueError:
            value = None
        if value is None or not (allowed.low <= value <= allowed.high):
            why = f"; {allowed.why}" if allowed.why and value is not None else ""
            msg = f"{text!r} is ongeldig: geef {allowed.describe()}{why}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def _output(*suffixes: str) -> Any:
    def parse(text: str) -> Path:
        path = Path(text)
        if path.is_dir():
            msg = f"{text!r} is een map: geef een bestandsnaam daarin"
            raise argparse.ArgumentTypeError(msg)
        if path.suffix.lower() not in suffixes:
            msg = f"{text!r}: gebruik een bestandsnaam die eindigt op {' of '.join(suffixes)}"
            raise argparse.ArgumentTypeError(msg)
        if not path.parent.is_dir():
            msg = f"map {str(path.parent)!r} bestaat niet: maak die eerst (mkdir -p)"
            raise argparse.ArgumentTypeError(msg)
        return path

    return parse


def _source(args: argparse.Namespace, data_dir: str | None = None) -> Any:
    """Resolve and announce the data directory (a scenario's own, when it names one)."""
    from geo.datadir import resolve_data_dir

    source = resolve_data_dir(data_dir or args.data_dir)
    _say(source.describe())
    return source


def _cmd_regions(args: argparse.Namespace) -> int:
    from geo import nlformat
    from geo.regions import load_region_presets, region_summary

    source = _source(args)
    summaries = []
    for region in load_region_presets().values():
        if region.synthetic != source.synthetic:
            continue
        summary = region_summary(region, source)
        if summary["missing_gemeenten"]:
            _say(f"let op: {region.name} mist {summary['missing_gemeenten']} in deze data")
        summaries.append(summary)
    if args.json:
        keys = ("name", "gemeenten", "buurten", "inhabitants")
        print(json.dumps([{k: s[k] for k in keys} for s in summaries], indent=2))
        return 0
    for s in summaries:
        gemeenten: Sequence[str] = s["gemeenten"]  # type: ignore[assignment]
        print(
            f"{s['name']:<20} {len(gemeenten):>2} gemeenten {s['buurten']:>5} buurten "
            f"{nlformat.integer(s['inhabitants']):>10} inwoners  {s['title']}"
        )
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    from criteria.profiles import list_profiles, load_profile
    from geo import nlformat
    from geo.labels import AGGREGATION_LABELS, rule_text

    profiles = [load_profile(n) for n in list_profiles()]
    if args.json:
        records = [p.to_dict() | {"weights": p.weights.round(4).to_dict()} for p in profiles]
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return 0
    for profile in profiles:
        aggregation = AGGREGATION_LABELS.get(profile.aggregation, profile.aggregation)
        print(f"{profile.name}  ({profile.title}; {aggregation})")
        print(f"  {profile.description}")
        for constraint in profile.constraints:
            rule = " of ".join(rule_text(c.feature, c.op, c.value) for c in constraint.clauses)
            print(f"  eis    {rule:<48} {constraint.rationale}")
        for criterion in profile.criteria:
            weight = nlformat.number(profile.weights[criterion.name], decimals=2)
            # The name is what --weight takes; the label is what the app and report show.
            print(
                f"  {weight:>5}  {criterion.name:<30} {criterion.label:<34} {criterion.rationale}"
            )
        print()
    return 0


def _parse_weights(items: Sequence[str] | None) -> tuple[tuple[str, float], ...]:
    weights: dict[str, float] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            msg = f"--weight {item!r}: schrijf CRITERION=NUMBER, bijv. --weight ov_access=0.3"
            raise PlekwijzerInputError(msg)
        weights[name.strip()] = number
    return tuple(weights.items())


def _parse_constraints(items: Sequence[str] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    values: dict[str, tuple[str, ...]] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            msg = (
                f"--constraint {item!r}: schrijf NAME=VALUE (een lijst als A,B; een waarde per "
                "deelregel als V1|V2), bijv. --constraint plot_size=800"
            )
            raise PlekwijzerInputError(msg)
        values[name.strip()] = tuple(part.strip() for part in value.split("|"))
    return tuple(values.items())


#: Flags that describe a run; with --scenario only the input files may be given again.
_SCENARIO_FLAGS = ("profile", "region", "gemeenten", "weight", "constraint")
_INPUT_FLAGS = ("candidates", "facilities", "roads", "dwellings", "sensitive_osm")
_READ_FLAGS = {"layer": "candidates_layer", "facilities_layer": "facilities_layer"}
_READ_FLAGS |= {"default_places": "default_places"}


def _scenario_file(args: argparse.Namespace) -> Any:
    """Read ``--scenario``; input files given again replace its own (an upload's by hash)."""
    from criteria.scenario_file import read_scenario_file
    from criteria.scenario_inputs import require_input_files, with_input_files

    read = read_scenario_file(args.scenario)
    given = {f: getattr(args, f) for f in _INPUT_FLAGS if getattr(args, f, None) is not None}
    scenario = with_input_files(read.scenario, given)
    require_input_files(scenario, source=args.scenario)
    options = {
        field: getattr(args, flag)
        for flag, field in _READ_FLAGS.items()
        if getattr(args, flag, None) is not None
    }
    scenario = scenario.replace(data_dir=args.data_dir or scenario.data_dir, **options)
    return read, scenario


def _rasters(given: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
    """Parse ``--raster NAME=FILE`` options; rasterio loads only when one is given."""
    if not given:
        return ()
    from geo.raster import parse_raster_options

    return tuple(parse_raster_options(given))


def _scenario_from_args(args: argparse.Namespace) -> tuple[Any, Any]:
    """Return ``(scenario file read or None, scenario)`` from ``--scenario`` or the flags."""
    if args.scenario:
        if given := [f"--{f}" for f in _SCENARIO_FLAGS if getattr(args, f) is not None]:
            msg = (
                f"--scenario legt {', '.join(given)} al vast: laat die weg, of laat --scenario "
                "weg om een nieuwe berekening te beschrijven"
            )
            raise PlekwijzerInputError(msg)
        read, scenario = _scenario_file(args)
        if getattr(args, "raster", None):
            from geo.raster import parse_raster_options  # rasterio loads only when asked

            scenario = scenario.replace(rasters=parse_raster_options(args.raster))
        return read, scenario
    from criteria.scenario import Scenario, ShortlistOptions
    from geo.regions import parse_gemeente_codes

    missing = [f for f in ("--profile", "--candidates") if not getattr(args, f[2:])]
    if args.region is None and args.gemeenten is None:
        missing.append("--region of --gemeenten")
    if missing:
        msg = f"score heeft {', '.join(missing)} nodig (of --scenario FILE.scenario.json)"
        raise PlekwijzerInputError(msg)
    scenario = Scenario(
        profile=args.profile,
        region=args.region,
        gemeenten=tuple(parse_gemeente_codes(args.gemeenten)) if args.gemeenten else (),
        weights=_parse_weights(args.weight),
        constraint_values=_parse_constraints(args.constraint),
        shortlist=ShortlistOptions(
            top_n=args.top,
            min_spacing_m=args.min_spacing_m,
            max_per_buurt=args.max_per_buurt,
            max_per_gemeente=args.max_per_gemeente,
            evenness_weight=args.evenness,
        ),
        candidates=args.candidates,
        facilities=args.facilities,
        roads=args.roads,
        dwellings=args.dwellings,
        sensitive_osm=args.sensitive_osm,
        candidates_layer=args.layer,
        facilities_layer=args.facilities_layer,
        default_places=args.default_places,
        data_dir=args.data_dir,
        sensitivity=args.sensitivity,
        rasters=_rasters(getattr(args, "raster", None)),
    )
    scenario.load_profile()  # a bad --weight or --constraint is refused before any reading
    return None, scenario


def _cmd_score(args: argparse.Namespace) -> int:
    read, scenario = _scenario_from_args(args)  # checked before the heavy imports
    from criteria.export_rows import geopackage_files
    from criteria.run import run_scenario
    from geo import nlformat
    from geo.export import write_export_pair
    from geo.labels import HEADLINE_LABEL

    if scenario.facilities is None and not scenario.use_defaults:
        _say(
            "let op: geen register (--facilities): criteria over bestaande voorzieningen "
            "scoren als onbekend"
        )
    _source(args, scenario.data_dir)
    data = None
    if scenario.rasters:
        # Raster criteria are added to the loaded region (sampled at every site).
        from criteria.run import load_scenario_data
        from geo.raster import region_data_with_rasters

        data = region_data_with_rasters(load_scenario_data(scenario), scenario.rasters)
    result = run_scenario(scenario, data=data)
    _print_layers(result.data)
    _print_notes([*result.data.notes, *_rerun_notes(read, result)])
    out: Path = args.out
    # Everything is computed before anything is written, and the files are written as one
    # unit: a failure or Ctrl-C leaves the old GeoJSON and scenario as they were.
    files: dict[str | Path, Any] = {}
    if out.suffix.lower() == ".gpkg":
        files.update(geopackage_files(result, out))
    else:
        files[out] = result.geojson_stream()
    files[out.with_name(out.stem + ".scenario.json")] = result.scenario_file()
    if result.sensitivity is not None:
        files[out.with_name(out.stem + ".sensitivity.json")] = result.sensitivity.to_dict()
    write_export_pair(files)
    if result.sensitivity is not None:
        _print_sensitivity(result.sensitivity)
    for warning in result.scoring.warnings:
        _say(f"waarschuwing: {warning}")
    table = result.table
    names = ", ".join(Path(p).name for p in list(files)[1:])
    checks = int(table.loc[table["shortlisted"], "checks"].map(bool).sum())
    _say(
        f"{nlformat.integer(len(table))} kandidaten, {nlformat.integer(table['excluded'].sum())} "
        f"uitgesloten, {nlformat.integer(table['shortlisted'].sum())} op de shortlist "
        f"({checks} te controleren) -> {out} (+ {names})"
    )
    headline = result.spread.headline
    _say(
        f"{HEADLINE_LABEL}, {result.spread.level}: nu "
        f"{nlformat.number(headline.before, decimals=3)}, met "
        f"de shortlist {nlformat.number(headline.after, decimals=3)}"
    )
    for _, row in result.shortlist.iterrows():
        print(
            f"{int(row['rank']):>4}  {nlformat.number(row['score'], decimals=3)}  "
            f"{row['id']:<14} {row['buurtcode']}  {row['name']}"
        )
    return 0


def _rerun_notes(read: Any, result: Any) -> list[str]:
    """Say when a rerun's shortlist differs from the one its scenario file records."""
    from criteria.scenario_file import rerun_note

    if read is None:
        return []
    shortlist = list(result.shortlist["id"])
    note = rerun_note(read.result, shortlist, synthetic=result.source.synthetic)
    return [note] if note else []


#: Flags of ``plan`` that describe the plan; with --scenario the file fixes them.
_PLAN_FLAGS = ("places", "key", "count_types", "evenness", "min_spacing_m", "max_per_buurt")


def _cmd_plan(args: argparse.Namespace) -> int:
    """N new places over the region's gemeenten by a fair-share key (issue 17)."""
    from criteria.plan import plan_geojson_stream, plan_scenario
    from criteria.run import run_scenario
    from criteria.scenario import PlanOptions
    from geo import nlformat as nl
    from geo.export import write_export_pair
    from geo.labels import HEADLINE_LABEL

    if args.scenario:
        if given := [
            f"--{f.replace('_', '-')}" for f in _PLAN_FLAGS if getattr(args, f) is not None
        ]:
            msg = (
                f"--scenario legt {', '.join(given)} al vast: laat die weg, of laat --scenario weg"
            )
            raise PlekwijzerInputError(msg)
        read, scenario = _scenario_from_args(args)
        if scenario.plan is None:
            msg = "het scenariobestand bevat geen verdeelplan: maak er een met `plekwijzer plan`"
            raise PlekwijzerInputError(msg)
    else:
        if args.places is None:
            msg = "plan heeft --places N nodig (het aantal nieuwe plaatsen om te verdelen)"
            raise PlekwijzerInputError(msg)
        plan = PlanOptions(
            places=args.places,
            key=args.key or "inwoners",
            count_types=args.count_types or "all",
            evenness=1.0 if args.evenness is None else args.evenness,
            min_spacing_m=args.min_spacing_m or 0.0,
            max_per_buurt=args.max_per_buurt,
        )
        # The shortlist keeps its defaults: spacing, caps and evenness belong to the plan.
        neutral = argparse.Namespace(**{
            **vars(args), "min_spacing_m": 0.0, "max_per_buurt": None, "evenness": 0.0
        })  # fmt: skip
        read, scenario = _scenario_from_args(neutral)
        scenario = scenario.replace(plan=plan)
    _source(args, scenario.data_dir)
    result = run_scenario(scenario)
    _print_notes([*result.data.notes, *_rerun_notes(read, result)])
    plan_result = plan_scenario(result)
    out: Path = args.out
    scenario_file = result.scenario_file()
    scenario_file["result"]["plan"] = plan_result.record()
    files: dict[Path, Any] = {
        out: plan_geojson_stream(result, plan_result),
        out.with_name(out.stem + ".scenario.json"): scenario_file,
    }
    if args.summary:
        files[args.summary] = plan_result.summary()
    write_export_pair(files)
    for warning in result.scoring.warnings:
        _say(f"waarschuwing: {warning}")
    gap = "" if plan_result.status == "optimaal" else f", gap {nl.percent(plan_result.gap)}"
    _say(
        f"verdeelplan: {nl.integer(plan_result.planned_places)} van {plan_result.places} "
        f"plaatsen op {len(plan_result.site_ids)} locaties, sleutel {plan_result.key_label}, "
        f"evenwichtigheid {nl.number(plan_result.evenness, decimals=2)} "
        f"(oplossing {plan_result.status}{gap}) -> {out} "
        f"(+ {', '.join(p.name for p in list(files)[1:])})"
    )
    _say(
        f"{HEADLINE_LABEL}, gemeenten: "
        f"{nl.number(plan_result.index_before, decimals=3)} nu, "
        f"{nl.number(plan_result.index_after, decimals=3)} met het plan; gemiddelde "
        f"geschiktheid {nl.number(plan_result.mean_score, decimals=3)} (beste locaties "
        f"{nl.number(plan_result.mean_score_best, decimals=3)})"
    )
    print(f"{'gemeente':<22} {'sleutel':>7} {'bestaand':>8} {'doel':>7} {'gepland':>7} "
          f"{'tekort':>7}  reden")  # fmt: skip
    for g in plan_result.gemeenten:
        print(
            f"{g.naam[:22]:<22} {nl.percent(g.share):>7} {nl.integer(g.existing):>8} "
            f"{nl.number(g.target):>7} {nl.integer(g.planned):>7} {nl.number(g.shortfall):>7}"
            f"  {g.reason or ''}"
        )
    return 0


def _print_layers(data: Any) -> None:
    """Say which gemeenten use real address points and a real road network."""
    names = dict(zip(data.buurten["gemeentecode"], data.buurten["gemeentenaam"], strict=False))
    for line in data.layers.lines_nl(names):
        _say(line)


def _print_notes(notes: Sequence[str]) -> None:
    for note in notes:
        _say(f"let op: {note}")


def _print_sensitivity(report: Any) -> None:
    from geo import nlformat

    mc = report.monte_carlo
    _say(
        f"robuustheid ({mc.n} gewichtstrekkingen, ±{nlformat.percent(mc.spread)}): "
        f"nummer 1 {mc.top_site} blijft eerste in {nlformat.percent(mc.top_site_share)}, "
        f"gemiddelde rangcorrelatie {nlformat.number(mc.mean_spearman, decimals=2)}"
    )
    flip = report.smallest_flip.smallest
    if flip is not None:
        _say(
            f"kleinste gewichtswijziging die de nummer 1 verdringt: {flip.criterion} "
            f"{nlformat.number(flip.weight, decimals=3)} -> "
            f"{nlformat.number(flip.critical_weight, decimals=3)} "
            f"(nieuwe nummer 1: {flip.new_top_site})"
        )


def _cmd_spread(args: argparse.Namespace) -> int:
    from criteria.run import SpreadCache
    from geo.export import write_json_atomic, write_text_atomic
    from geo.facilities import facilities_from_shortlist
    from geo.regions import resolve_region
    from geo.spread_result import ScenarioSpread
    from geo.workspace import load_region_data

    source = _source(args)
    region = resolve_region(args.region, gemeenten=args.gemeenten, source=source)
    data = load_region_data(
        region, source, facilities_path=args.facilities, use_defaults=False, with_candidates=False
    )
    _print_notes(data.notes)
    # The same spread definitions a scored scenario uses (criteria.run).
    spreads = SpreadCache(data)
    correction = args.fair_share_correction
    report: SpreadReport | ScenarioSpread
    if args.scenario:
        new = facilities_from_shortlist(args.scenario, buurten=data.buurten)
        report = spreads.after(new, args.level, args.type, fair_share_correction=correction)
    else:
        report = spreads.before(args.level, args.type, fair_share_correction=correction)
    out: Path = args.out
    if out.suffix.lower() == ".json":
        # The written layout (issue 4) is made here, at the edge; users and checks read it.
        record = report.to_json_dict() | {
            "region": region.name,
            "data": {
                "data_dir": str(source.path),
                "synthetic": source.synthetic,
                "facilities": str(args.facilities),
            },
        }
        write_json_atomic(out, record)
    else:
        table = report.units_change if isinstance(report, ScenarioSpread) else report.units
        write_text_atomic(out, table.to_csv(index=False))
    _print_spread(report)
    return 0


#: The evenness indices as the spread summary names them.
_INDEX_NAMES = {
    "gini": "Gini",
    "gini_pop_weighted": "Gini (inwonergewogen)",
    "theil": "Theil",
    "theil_between": "Theil tussen",
    "theil_within": "Theil binnen",
    "hoover": "Hoover",
}


def _print_spread(report: SpreadReport | ScenarioSpread) -> None:
    import pandas as pd

    from geo import nlformat
    from geo.spread_result import ScenarioSpread

    now = report.before if isinstance(report, ScenarioSpread) else report
    line = "  ".join(
        f"{_INDEX_NAMES.get(k, k)} {nlformat.number(v, decimals=3)}"
        for k, v in now.indices.items()
        if pd.notna(v)
    )
    print(f"niveau {now.level}, type {now.facility_type or 'alle'}: {line}")
    units = now.units.set_index("code")
    for label, codes in (
        ("meest voorzien", now.most_provided),
        ("minst voorzien", now.least_provided),
    ):
        named = ", ".join(
            f"{units.loc[c, 'name']} ({nlformat.number(units.loc[c, 'per_10k'])} per 10.000)"
            for c in codes
        )
        print(f"{label}: {named}")
    if isinstance(report, ScenarioSpread):
        changes = "  ".join(
            f"{_INDEX_NAMES.get(k, k)} {nlformat.number(c.delta, decimals=3, signed=True)}"
            for k, c in report.index_changes().items()
            if pd.notna(c.delta)
        )
        print(f"na toevoegen van {report.added} plekken: {changes}")


def _cmd_cover(args: argparse.Namespace) -> int:
    """How many new sites, and where, so that inhabited buurten have one within reach."""
    from criteria.coverage_plan import add_cover_rank
    from criteria.run import run_scenario
    from criteria.scenario import CoverageOptions
    from geo import nlformat
    from geo.export import write_export_pair

    if args.all == (args.sites is not None):
        msg = (
            "geef precies een van --all (zo min mogelijk plekken die elke buurt bereiken) "
            "of --sites N."
        )
        raise PlekwijzerInputError(msg)
    scenario = _scenario_from_args(args)[1].replace(
        coverage=CoverageOptions(reach_m=args.reach_m, sites=args.sites)
    )
    if scenario.facilities is None:
        from criteria.profiles import load_profile

        kind = load_profile(scenario.profile).facility_type or scenario.profile
        _say(f"let op: geen register (--facilities): geen bestaande {kind} telt als bereik")
    _source(args, scenario.data_dir)
    result = run_scenario(scenario)
    _print_layers(result.data)
    _print_notes(result.data.notes)
    plan = result.coverage
    assert plan is not None  # the scenario asks for coverage
    cover = plan.result
    out: Path = args.out
    context = {
        "profile": result.profile.name,
        "region": result.region.name,
        "reach_kind": plan.reach_kind,
        "demand_point": "representatief punt van de buurt (CBS-inwoners 2024)",
    }
    files: dict[str | Path, Any] = {
        out: cover.to_dict() | context,
        out.with_name(out.stem + ".scenario.json"): result.scenario_file(),
    }
    if args.geojson:
        files[args.geojson] = add_cover_rank(result.feature_collection(), cover)
    write_export_pair(files)
    _say(f"{plan.summary_nl()} -> {out} (+ {', '.join(Path(p).name for p in list(files)[1:])})")
    names = result.table["name"]
    for site in cover.sites:
        adds = "+" + nlformat.integer(site.adds_inhabitants)
        score = nlformat.number(site.score, decimals=3)
        name = names.get(site.id, "")
        print(f"{site.cover_rank:>4}  {site.id:<14} {adds:>9} inw  score {score}  {name}")
    for buurt in cover.unreachable:
        print(f"  onbereikbaar  {buurt.buurtcode}  {nlformat.integer(buurt.inhabitants):>8} inw")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """Rerun a scenario file and print it as a council report (PDF or HTML)."""
    read, scenario = _scenario_file(args)  # checked before WeasyPrint and the engine load
    scenario = scenario.replace(sensitivity=args.sensitivity or scenario.sensitivity)
    from criteria.council import write_council_report
    from criteria.run import run_scenario

    _source(args, scenario.data_dir)
    result = run_scenario(scenario)
    _print_notes(_rerun_notes(read, result))
    out = write_council_report(result, args.out)
    _say(f"raadsrapport ({result.profile.title}, {result.region.title}) -> {out}")
    return 0


def _cmd_screen(args: argparse.Namespace) -> int:
    """Score a national candidate table partitioned by gemeente (dask); write GeoParquet."""
    from criteria.profiles import load_profile
    from criteria.screening import screen_dataset
    from geo import nlformat

    out = Path(args.out)
    if out.exists() and any(out.iterdir() if out.is_dir() else [out]):
        msg = f"--out {str(out)!r} bestaat al: verwijder het of geef een nieuwe mapnaam"
        raise PlekwijzerInputError(msg)
    if not out.parent.is_dir():
        msg = f"--out: map {str(out.parent)!r} bestaat niet: maak die eerst (mkdir -p)"
        raise PlekwijzerInputError(msg)
    report = screen_dataset(
        args.candidates,
        load_profile(args.profile),
        out=out,
        weights=dict(_parse_weights(args.weight)) or None,
        scheduler=args.scheduler,
        top_n=args.top,
    )
    _say(
        f"{nlformat.integer(report['candidates'])} kandidaten in {report['partitions']} "
        f"partitie(s), {nlformat.integer(report['excluded'])} uitgesloten, "
        f"{nlformat.number(report['seconds'])} s op {report['scheduler']} -> {out}"
    )
    for number, row in enumerate(report["top"].itertuples(index=False), start=1):
        print(
            f"{number:>4}  {nlformat.number(row.score, decimals=3)}  {row.id:<14} "
            f"{row.gemeentecode}"
        )
    return 0


def _cmd_surface(args: argparse.Namespace) -> int:
    """Score every cell of a region (GeoTIFF) and, with --areas, write its zoekgebieden.

    The options become a scenario with ``surface`` set, written beside the GeoTIFF as
    ``<out>.scenario.json``; ``plekwijzer report --scenario`` computes the same surface from it
    (:func:`criteria.surface.scenario_surface`, the one path) for the page "Zoekgebieden".
    """
    from criteria.scenario import Scenario, SurfaceOptions
    from criteria.scenario_file import scenario_file_dict
    from criteria.surface import scenario_surface
    from geo import nlformat
    from geo.export import write_export_pair
    from geo.raster import parse_raster_options
    from geo.regions import parse_gemeente_codes
    from geo.zoekgebieden import zoekgebieden_geojson

    if args.areas is not None and args.areas.resolve() == args.out.resolve():
        msg = "--areas en --out noemen hetzelfde bestand: geef de zoekgebieden een .geojson-naam"
        raise PlekwijzerInputError(msg)
    source = _source(args)
    options = SurfaceOptions(
        cell_m=args.cell_m,
        min_score=args.min_score,
        min_area_m2=args.min_area_m2,
        top=args.top,
        min_distance_m=args.min_distance_m,
    )
    scenario = Scenario(
        profile=args.profile,
        region=args.region,
        gemeenten=()
        if args.gemeenten is None
        else tuple(parse_gemeente_codes(args.gemeenten, data_source=source)),
        weights=tuple(_parse_weights(args.weight)),
        facilities=args.facilities,
        dwellings=args.dwellings,
        roads=args.roads,
        sensitive_osm=args.sensitive_osm,
        default_places=args.default_places,
        rasters=parse_raster_options(args.raster or ()),
        data_dir=args.data_dir,
        surface=options,
    )
    run = scenario_surface(scenario, source=source)
    surface, areas, region = run.surface, run.areas, run.layers.region
    if args.facilities is None:
        _say(
            "let op: geen register (--facilities): criteria over bestaande voorzieningen "
            "scoren als onbekend"
        )
    _print_notes(run.layers.notes)
    files: dict[Path, Any] = {
        args.out: surface.geotiff,
        args.out.with_name(args.out.stem + ".scenario.json"): scenario_file_dict(
            scenario,
            source=source,
            inputs=run.layers.inputs,
            shortlist_ids=(),
            warnings=surface.warnings,
        ),
    }
    if args.areas is not None:
        files[args.areas] = zoekgebieden_geojson(
            areas,
            members={
                "plekwijzer": {
                    "profile": surface.place.profile.name,
                    "region": region.name,
                    "gemeenten": list(region.gemeenten),
                    "cell_m": surface.grid.cell_m,
                    "min_score": options.min_score,
                    "min_area_m2": options.min_area_m2,
                    "top": options.top,
                    "min_distance_m": options.min_distance_m,
                    "not_applied_per_cell": [
                        *surface.place.dropped_rules,
                        *surface.place.dropped_criteria,
                    ],
                }
            },
        )
    write_export_pair(files)
    for warning in surface.warnings:
        _say(f"waarschuwing: {warning}")
    summary = surface.summary()
    cells = summary["cells"]
    _say(
        f"{nlformat.integer(cells)} cellen van {nlformat.given(args.cell_m)} m, "
        f"{nlformat.integer(summary['excluded'])} uitgesloten door een harde regel, "
        f"{nlformat.integer(summary['te_controleren'])} te controleren -> {args.out}"
    )
    if summary["dropped_rules"] or summary["dropped_criteria"]:
        names = ", ".join(surface.place.dropped_labels)
        _say(f"niet per cel toegepast (gaat over gebouw of perceel, controleer per plek): {names}")
    if args.areas is not None:
        _say(
            f"{len(areas)} zoekgebieden (score ≥ {nlformat.number(options.min_score, decimals=2)}, "
            f"minstens {nlformat.integer(options.min_area_m2)} m²) -> {args.areas}"
        )
        for row in areas.itertuples(index=False):
            print(
                f"{row.rank:>4}  {nlformat.integer(row.area_m2):>12} m²  gemiddeld "
                f"{nlformat.number(row.mean_score, decimals=3)}  beste "
                f"{nlformat.number(row.best_score, decimals=3)}  "
                f"{row.buurtnaam} ({row.gemeentenaam})"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``plekwijzer`` command."""
    parser = _Parser(
        prog="plekwijzer",
        description=(
            "Geschikte plekken voor en spreiding van kleine woonvoorzieningen voor dak- en "
            "thuisloze mensen (Noaberhuuske, tussenvoorziening, Skaeve Huse)."
        ),
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="OPDRACHT"
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=None,
        help="datamap (standaard: $PLEKWIJZER_DATA, ../shared/data, anders de synthetische demo)",
    )
    regions = sub.add_parser(
        "regions", parents=[common], help="toon de voorinstellingen van regio's"
    )
    regions.add_argument("--json", action="store_true", help="schrijf JSON")
    regions.set_defaults(func=_cmd_regions)

    profiles = sub.add_parser(
        "profiles", help="toon de profielen van voorzieningen, hun criteria en gewichten"
    )
    profiles.add_argument("--json", action="store_true", help="schrijf JSON")
    profiles.set_defaults(func=_cmd_profiles)

    area = _Parser(add_help=False)
    where = area.add_mutually_exclusive_group()
    where.add_argument("--region", help="voorinstelling: twente, amersfoort, drechtsteden, ...")
    where.add_argument(
        "--gemeenten", help="eigen keuze van gemeentecodes: GM0153,GM0164 (spread: of all)"
    )

    count = _number(NumberRange(0, whole=True, what="een heel getal"))
    cap = _number(limits.CAP)
    draws = _number(limits.SENSITIVITY)
    layers = _Parser(add_help=False)
    layers.add_argument("--roads", help="OSM-wegen (GPKG of .osm): loopafstanden en hoofdwegen")
    layers.add_argument(
        "--dwellings",
        help=(
            "adrespunten (BAG-verblijfsobjecten als GPKG, of punten als GPKG/GeoJSON/CSV): gemeten "
            "afstand tot woningen"
        ),
    )
    layers.add_argument(
        "--sensitive-osm", help="lokaal .osm-bestand: scholen, kleuterscholen, kinderopvang"
    )
    layers.add_argument(
        "--layer", help="laag van een kandidatenlijst als GeoPackage met meer lagen"
    )
    layers.add_argument(
        "--facilities-layer", help="laag van een register als GeoPackage met meer lagen"
    )
    layers.add_argument(
        "--default-places",
        type=_number(limits.DEFAULT_PLACES),
        help=(
            "plaatsen voor rijen van het register zonder aantal (standaard: zulke rijen worden "
            "geweigerd)"
        ),
    )
    # The question score and plan share: a scenario file, or the profile and its inputs.
    question = _Parser(add_help=False)
    question.add_argument(
        "--scenario",
        help=(
            "draai een .scenario.json van deze opdracht of de app opnieuw (in plaats van de opties "
            "die een berekening beschrijven)"
        ),
    )
    question.add_argument("--profile", help="naam van een profiel of een TOML-bestand")
    question.add_argument(
        "--candidates", help="kandidatenlijst CSV/GeoJSON/GPKG/BAG (plan: kolom places)"
    )
    question.add_argument("--facilities", help="register van voorzieningen CSV/GeoJSON/GPKG")
    question.add_argument(
        "--weight",
        action="append",
        metavar="CRITERION=W",
        help="zet een gewicht anders (herhaalbaar)",
    )
    question.add_argument(
        "--constraint",
        action="append",
        metavar="NAME=VALUE",
        help="verander de waarde van een harde eis, bijv. plot_size=800 of site_use=grond,bedrijf",
    )
    score = sub.add_parser(
        "score", parents=[common, area, layers, question], help="beoordeel kandidaat-plekken"
    )
    score.add_argument(
        "--top",
        type=_number(limits.TOP_N),
        default=10,
        help="lengte van de shortlist (standaard 10)",
    )
    score.add_argument(
        "--min-spacing-m",
        type=_number(limits.SPACING_M),
        default=0.0,
        help="kleinste afstand tussen plekken op de shortlist, in meters",
    )
    score.add_argument(
        "--raster",
        action="append",
        metavar="NAME=FILE.tif",
        help="rastercriterium: kenmerk raster_NAME (en buurt_raster_NAME) voor het profiel",
    )
    score.add_argument(
        "--max-per-buurt", type=cap, default=None, help="hoogstens zoveel plekken per buurt"
    )
    score.add_argument(
        "--max-per-gemeente", type=cap, default=None, help="hoogstens zoveel plekken per gemeente"
    )
    score.add_argument(
        "--evenness",
        type=_number(limits.EVENNESS),
        default=0.0,
        metavar="W",
        help=(
            "0..1: ruil score in voor een evenwichtiger spreiding over gemeenten (standaard 0: uit)"
        ),
    )
    score.add_argument(
        "--sensitivity",
        type=draws,
        default=0,
        metavar="N",
        help=(
            "reken ook N Monte Carlo-gewichtstrekkingen en wijzigingen van één gewicht tegelijk "
            "(<out>.sensitivity.json)"
        ),
    )
    score.add_argument(
        "--out",
        required=True,
        type=_output(".geojson", ".json", ".gpkg"),
        help=(
            "uitvoer als GeoJSON, of GeoPackage (.gpkg: plekken en een laag per gemeente, met een "
            "QGIS-stijl; .qml ernaast); het scenariobestand ernaast"
        ),
    )
    score.set_defaults(func=_cmd_score)

    plan = sub.add_parser(
        "plan",
        parents=[common, area, layers, question],
        help="verdeel N nieuwe plaatsen over de gemeenten volgens een verdeelsleutel",
    )
    plan.add_argument(
        "--places",
        type=_number(limits.PLAN_PLACES),
        default=None,
        metavar="N",
        help="nieuwe plaatsen om te verdelen (verplicht)",
    )
    plan.add_argument(
        "--key",
        default=None,
        metavar="inwoners|draagkracht|FILE",
        help="verdeelsleutel (standaard inwoners), of een CSV met gemeentecode,share",
    )
    plan.add_argument(
        "--count-types",
        default=None,
        metavar="all|same|T1,T2",
        help="typen bestaande voorzieningen waarvan de plaatsen meetellen (standaard all)",
    )
    plan.add_argument(
        "--evenness",
        type=_number(limits.EVENNESS),
        default=None,
        metavar="0..1",
        help=(
            "1 = zo dicht bij de sleutel als de plekken toelaten (standaard), 0 = alleen de beste "
            "plekken"
        ),
    )
    plan.add_argument(
        "--min-spacing-m",
        type=_number(limits.SPACING_M),
        default=None,
        help="kleinste afstand tussen geplande plekken, in meters",
    )
    plan.add_argument(
        "--max-per-buurt", type=cap, default=None, help="hoogstens zoveel plekken per buurt"
    )
    plan.add_argument(
        "--out",
        required=True,
        type=_output(".geojson", ".json"),
        help="uitvoer als GeoJSON met planned en places (het scenariobestand ernaast)",
    )
    plan.add_argument(
        "--summary",
        type=_output(".json"),
        default=None,
        help="plan.json: het verdeelplan per gemeente",
    )
    plan.set_defaults(
        func=_cmd_plan, top=10, max_per_gemeente=None, sensitivity=0
    )  # fmt: skip

    spread = sub.add_parser("spread", parents=[common, area], help="spreiding van voorzieningen")
    spread.add_argument("--facilities", required=True, help="register van voorzieningen")
    spread.add_argument("--type", default=None, help="één type voorziening (standaard: alle)")
    spread.add_argument(
        "--level", choices=LEVELS, default="gemeente", help="gemeente, wijk of buurt"
    )
    spread.add_argument("--scenario", help="shortlist-GeoJSON van `plekwijzer score`")
    spread.add_argument(
        "--fair-share-correction",
        type=_number(limits.SHARE),
        default=0.0,
        help="draagkrachtcorrectie van het eerlijke aandeel, 0..1 (standaard 0)",
    )
    spread.add_argument(
        "--out", required=True, type=_output(".json", ".csv"), help="BESTAND.json of BESTAND.csv"
    )
    spread.set_defaults(func=_cmd_spread, needs_area=True)

    cover = sub.add_parser(
        "cover",
        parents=[common, area, layers],
        help="hoeveel nieuwe plekken, en waar, om iedereen te bereiken",
    )
    cover.add_argument("--profile", required=True, help="naam van een profiel of een TOML-bestand")
    cover.add_argument("--candidates", required=True, help="kandidatenlijst CSV/GeoJSON/GPKG/BAG")
    cover.add_argument(
        "--facilities", help="register van voorzieningen: de plekken van het type tellen mee"
    )
    cover.add_argument(
        "--reach-m",
        type=_number(limits.REACH_M),
        required=True,
        help="bereik in meters hemelsbreed, bijv. 3000",
    )
    cover.add_argument(
        "--all",
        action="store_true",
        help="zo min mogelijk nieuwe plekken die elke bewoonde buurt bereiken",
    )
    cover.add_argument(
        "--sites",
        type=cap,
        default=None,
        metavar="N",
        help="de N nieuwe plekken die de meeste mensen bereiken",
    )
    cover.add_argument(
        "--out",
        required=True,
        type=_output(".json"),
        help="cover.json (het scenariobestand ernaast)",
    )
    cover.add_argument(
        "--geojson",
        type=_output(".geojson", ".json"),
        help="schrijf ook de kandidaten met cover_rank",
    )
    cover.set_defaults(
        func=_cmd_cover, needs_area=True, scenario=None, weight=None,
        constraint=None, top=10, min_spacing_m=0.0, max_per_buurt=None, max_per_gemeente=None,
        evenness=0.0, sensitivity=0,
    )  # fmt: skip
    report = sub.add_parser(
        "report",
        parents=[common, layers],
        help="raadsrapport (PDF of HTML) van een scenariobestand",
    )
    report.add_argument(
        "--scenario", required=True, help="BESTAND.scenario.json van score of de app"
    )
    report.add_argument("--candidates", help="kandidatenlijst, in plaats van die van het scenario")
    report.add_argument(
        "--facilities", help="register van voorzieningen, in plaats van dat van het scenario"
    )
    report.add_argument(
        "--sensitivity",
        type=draws,
        default=0,
        metavar="N",
        help="reken ook N gewichtstrekkingen en toon hoe vast elke plek staat",
    )
    report.add_argument(
        "--out", required=True, type=_output(".pdf", ".html"), help="rapport.pdf of rapport.html"
    )
    report.set_defaults(func=_cmd_report)

    screen = sub.add_parser(
        "screen", help="beoordeel een landelijke kandidatentabel, opgedeeld per gemeente (dask)"
    )
    screen.add_argument(
        "--candidates",
        required=True,
        help="kenmerkentabel van kandidaten: een map met Parquet-bestanden, één per gemeente",
    )
    screen.add_argument("--profile", required=True, help="naam van een profiel of een TOML-bestand")
    screen.add_argument(
        "--weight",
        action="append",
        metavar="CRITERION=W",
        help="zet een gewicht anders (herhaalbaar)",
    )
    screen.add_argument(
        "--top", type=count, default=10, help="aantal beste plekken om te tonen (standaard 10)"
    )
    screen.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help=(
            "dask-scheduler, bijv. tcp://host:8786 (standaard: een lokaal cluster op de kernen van "
            "deze computer; threads, processes of synchronous: geen cluster)"
        ),
    )
    screen.add_argument(
        "--out", required=True, help="uitvoermap: één GeoParquet-bestand per partitie"
    )
    screen.set_defaults(func=_cmd_screen)

    surface = sub.add_parser(
        "surface",
        parents=[common, area],
        help="beoordeel elke cel van een regio (GeoTIFF) en vind zoekgebieden",
    )
    surface.add_argument(
        "--profile", required=True, help="naam van een profiel of een TOML-bestand"
    )
    surface.add_argument(
        "--cell-m",
        type=_number(NumberRange(5, 1000, what="meters")),
        default=25.0,
        help="celgrootte in meters (standaard 25)",
    )
    surface.add_argument(
        "--out",
        required=True,
        type=_output(".tif", ".tiff"),
        help="zoek.tif (Cloud-Optimized GeoTIFF)",
    )
    surface.add_argument(
        "--areas", type=_output(".geojson", ".json"), help="schrijf ook de zoekgebieden"
    )
    surface.add_argument(
        "--min-area-m2",
        type=_number(NumberRange(0, 1e9, what="een oppervlakte in m²")),
        default=0.0,
        help="kleinste oppervlakte van een zoekgebied in m² (standaard 0)",
    )
    surface.add_argument(
        "--top", type=cap, default=None, metavar="K", help="houd de K beste zoekgebieden"
    )
    surface.add_argument(
        "--min-score",
        type=_number(NumberRange(0, 1, what="een score")),
        default=0.6,
        help="laagste celscore in een zoekgebied (standaard 0,6)",
    )
    surface.add_argument(
        "--min-distance-m",
        type=_number(NumberRange(0, 1e6, what="meters")),
        default=1000.0,
        help="kleinste afstand tussen zoekgebieden die --top houdt (standaard 1.000)",
    )
    surface.add_argument(
        "--weight",
        action="append",
        metavar="CRITERION=W",
        help="zet een gewicht anders (herhaalbaar)",
    )
    surface.add_argument("--facilities", help="register van voorzieningen CSV/GeoJSON/GPKG")
    surface.add_argument("--dwellings", help="adrespunten: gemeten afstand tot woningen")
    surface.add_argument("--roads", help="OSM-wegen (GPKG of .osm)")
    surface.add_argument("--sensitive-osm", help="lokaal .osm-bestand: scholen, kinderopvang")
    surface.add_argument(
        "--raster",
        action="append",
        metavar="NAME=FILE.tif",
        help="rastercriterium: kenmerk raster_NAME (en buurt_raster_NAME) voor het profiel",
    )
    surface.add_argument(
        "--default-places",
        type=_number(NumberRange(1, 2000, what="een aantal plaatsen")),
        help="plaatsen voor rijen van het register zonder aantal",
    )
    surface.set_defaults(func=_cmd_surface, needs_area=True)
    return parser


#: Allocations between two young-generation collections while a command runs (Python: 700).
_GC_YOUNG_THRESHOLD = 10_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (2 for bad input, 130 for Ctrl-C)."""
    # Importing pandas, geopandas and scipy makes hundreds of thousands of long-lived objects
    # that the cyclic collector walks again and again at Python's default thresholds: 0.12 s
    # of a 1.3 s one-gemeente score. Collecting less often leaves that to the end of a short
    # run; big arrays are freed by reference counting either way. Restored on return, for
    # callers that run main in their own process (tests).
    thresholds = gc.get_threshold()
    gc.set_threshold(_GC_YOUNG_THRESHOLD, 50, 100)
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # --help, or a bad option already reported in one line
            return int(stop.code or 0)
        if getattr(args, "needs_area", False) and args.region is None and args.gemeenten is None:
            _say("plekwijzer: fout: geef --region NAME of --gemeenten GM0153,GM0164")
            return 2
        return int(args.func(args))
    except PlekwijzerError as exc:
        _say(f"plekwijzer: fout: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("plekwijzer: afgebroken")
        return 130
    finally:
        gc.set_threshold(*thresholds)


if __name__ == "__main__":
    sys.exit(main())
