"""Command-line front end: ``plekwijzer regions|profiles|score|spread|cover|report|screen``.

A thin layer: flags become a :class:`criteria.scenario.Scenario`, :func:`criteria.run.
run_scenario` computes, this module writes and prints. Every expected failure is a
:class:`geo._errors.PlekwijzerError`: one line on stderr and exit code 2, no traceback;
Ctrl-C exits 130. Heavy libraries are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from geo._errors import PlekwijzerError, PlekwijzerInputError

LEVELS = ("gemeente", "wijk", "buurt")


def _say(message: str) -> None:
    print(message, file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"plekwijzer: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, *, low: float, high: float = math.inf, what: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not (low <= value <= high):
            upper = "" if high == math.inf else f" and ≤ {high:g}"
            msg = f"{text!r} is not valid: give {what} ≥ {low:g}{upper}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def _output(*suffixes: str) -> Any:
    def parse(text: str) -> Path:
        path = Path(text)
        if path.is_dir():
            msg = f"{text!r} is a folder: give a file name inside it"
            raise argparse.ArgumentTypeError(msg)
        if path.suffix.lower() not in suffixes:
            msg = f"{text!r}: use a file name ending in {' or '.join(suffixes)}"
            raise argparse.ArgumentTypeError(msg)
        if not path.parent.is_dir():
            msg = f"folder {str(path.parent)!r} does not exist: create it first (mkdir -p)"
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
    from geo.regions import load_region_presets, region_summary

    source = _source(args)
    summaries = []
    for region in load_region_presets().values():
        if region.synthetic != source.synthetic:
            continue
        summary = region_summary(region, source)
        if summary["missing_gemeenten"]:
            _say(f"note: {region.name} lacks {summary['missing_gemeenten']} in this data")
        summaries.append(summary)
    if args.json:
        keys = ("name", "gemeenten", "buurten", "inhabitants")
        print(json.dumps([{k: s[k] for k in keys} for s in summaries], indent=2))
        return 0
    for s in summaries:
        gemeenten: Sequence[str] = s["gemeenten"]  # type: ignore[assignment]
        print(
            f"{s['name']:<20} {len(gemeenten):>2} gemeenten {s['buurten']:>5} buurten "
            f"{s['inhabitants']:>10,} inwoners  {s['title']}"
        )
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    from criteria.profiles import list_profiles, load_profile

    profiles = [load_profile(n) for n in list_profiles()]
    if args.json:
        records = [p.to_dict() | {"weights": p.weights.round(4).to_dict()} for p in profiles]
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return 0
    for profile in profiles:
        print(f"{profile.name}  ({profile.title}, {profile.aggregation})")
        for constraint in profile.constraints:
            rule = " or ".join(c.describe() for c in constraint.clauses)
            print(f"  must   {rule:<48} {constraint.rationale}")
        for criterion in profile.criteria:
            weight = profile.weights[criterion.name]
            print(
                f"  {weight:5.2f}  {criterion.name:<30} {criterion.feature:<34} "
                f"{criterion.rationale}"
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
            msg = f"--weight {item!r}: write CRITERION=NUMBER, e.g. --weight ov_access=0.3"
            raise PlekwijzerInputError(msg)
        weights[name.strip()] = number
    return tuple(weights.items())


def _parse_constraints(items: Sequence[str] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    values: dict[str, tuple[str, ...]] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            msg = (
                f"--constraint {item!r}: write NAME=VALUE (a list as A,B; one value per clause "
                "as V1|V2), e.g. --constraint plot_size=800"
            )
            raise PlekwijzerInputError(msg)
        values[name.strip()] = tuple(part.strip() for part in value.split("|"))
    return tuple(values.items())


#: Flags that describe a run; with --scenario only the input files may be given again.
_SCENARIO_FLAGS = ("profile", "region", "gemeenten", "weight", "constraint")
_INPUT_FLAGS = ("candidates", "facilities", "roads", "dwellings", "sensitive_osm")
_READ_FLAGS = {"layer": "candidates_layer", "facilities_layer": "facilities_layer"}
_READ_FLAGS |= {"default_places": "default_places"}


def _scenario_from_args(args: argparse.Namespace) -> Any:
    from criteria.scenario import Scenario, ShortlistOptions
    from geo.regions import parse_gemeente_codes

    if args.scenario:
        if given := [f"--{f}" for f in _SCENARIO_FLAGS if getattr(args, f) is not None]:
            msg = (
                f"--scenario already fixes {', '.join(given)}: drop them, or drop --scenario "
                "to describe a new run"
            )
            raise PlekwijzerInputError(msg)
        scenario = Scenario.from_file(args.scenario)
        inputs = {f: getattr(args, f) for f in _INPUT_FLAGS if getattr(args, f) is not None}
        inputs |= {
            field: getattr(args, flag)
            for flag, field in _READ_FLAGS.items()
            if getattr(args, flag) is not None
        }
        return scenario.replace(data_dir=args.data_dir or scenario.data_dir, **inputs)
    missing = [f for f in ("--profile", "--candidates") if not getattr(args, f[2:])]
    if args.region is None and args.gemeenten is None:
        missing.append("--region or --gemeenten")
    if missing:
        msg = f"score needs {', '.join(missing)} (or --scenario FILE.scenario.json)"
        raise PlekwijzerInputError(msg)
    return Scenario(
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
    )


def _cmd_score(args: argparse.Namespace) -> int:
    from criteria.run import run_scenario
    from geo import nlformat
    from geo.export import write_export_pair
    from geo.labels import HEADLINE_INDEX, HEADLINE_LABEL

    scenario = _scenario_from_args(args)
    if scenario.facilities is None and not scenario.use_defaults:
        _say("note: no --facilities register: criteria on existing facilities score as unknown")
    _source(args, scenario.data_dir)
    result = run_scenario(scenario)
    _print_notes(result.data.notes)
    out: Path = args.out
    # Everything is computed before anything is written, and the files are written as one
    # unit: a failure or Ctrl-C leaves the old GeoJSON and scenario as they were.
    files: dict[str | Path, Any] = {
        out: result.geojson_stream(),
        out.with_name(out.stem + ".scenario.json"): result.scenario_file(),
    }
    if result.sensitivity is not None:
        files[out.with_name(out.stem + ".sensitivity.json")] = result.sensitivity.to_dict()
    write_export_pair(files)
    if result.sensitivity is not None:
        _print_sensitivity(result.sensitivity)
    for warning in result.scoring.warnings:
        _say(f"warning: {warning}")
    table = result.table
    names = ", ".join(Path(p).name for p in list(files)[1:])
    _say(
        f"{len(table)} candidates, {int(table['excluded'].sum())} excluded, "
        f"{int(table['shortlisted'].sum())} shortlisted -> {out} (+ {names})"
    )
    spread = result.spread
    before, after = spread["indices"][HEADLINE_INDEX], spread["after"]["indices"][HEADLINE_INDEX]
    _say(
        f"{HEADLINE_LABEL}, {spread['level']}: nu {nlformat.number(before, decimals=3)}, met "
        f"de shortlist {nlformat.number(after, decimals=3)}"
    )
    for _, row in result.shortlist.iterrows():
        print(
            f"{int(row['rank']):>4}  {row['score']:.3f}  {row['id']:<14} {row['buurtcode']}  "
            f"{row['name']}"
        )
    return 0


def _print_notes(notes: Sequence[str]) -> None:
    for note in notes:
        _say(f"note: {note}")


def _print_sensitivity(report: Any) -> None:
    mc = report.monte_carlo
    _say(
        f"sensitivity ({mc.n} weight draws, ±{mc.spread:.0%}): top site "
        f"{mc.top_site} stays first in {mc.top_site_share:.0%}, mean rank correlation "
        f"{mc.mean_spearman:.2f}"
    )
    flip = report.smallest_flip.smallest
    if flip is not None:
        _say(
            f"smallest single-weight change that flips the top site: {flip.criterion} "
            f"{flip.weight:.3f} -> {flip.critical_weight:.3f} (new top {flip.new_top_site})"
        )


def _cmd_spread(args: argparse.Namespace) -> int:
    from criteria.run import SpreadCache
    from geo.export import write_json_atomic, write_text_atomic
    from geo.facilities import facilities_from_shortlist
    from geo.regions import resolve_region
    from geo.spread_report import report_to_json
    from geo.workspace import load_region_data

    source = _source(args)
    region = resolve_region(args.region, gemeenten=args.gemeenten, source=source)
    data = load_region_data(
        region, source, facilities_path=args.facilities, use_defaults=False, with_candidates=False
    )
    _print_notes(data.notes)
    # The same spread definitions a scored scenario uses (criteria.run).
    spreads = SpreadCache(data)
    options = {"fair_share_correction": args.fair_share_correction}
    if args.scenario:
        new = facilities_from_shortlist(args.scenario, buurten=data.buurten)
        report = spreads.after(new, args.level, args.type, **options)
    else:
        report = spreads.before(args.level, args.type, **options)
    report = report | {
        "region": region.name,
        "data": {
            "data_dir": str(source.path),
            "synthetic": source.synthetic,
            "facilities": str(args.facilities),
        },
    }
    out: Path = args.out
    if out.suffix.lower() == ".json":
        write_json_atomic(out, report_to_json(report))
    else:
        table = report["delta"]["units"] if "after" in report else report["units"]
        write_text_atomic(out, table.to_csv(index=False))
    _print_spread(report)
    return 0


def _print_spread(report: dict) -> None:
    import pandas as pd

    indices = report["indices"]
    line = "  ".join(f"{k} {v:.3f}" for k, v in indices.items() if pd.notna(v))
    print(f"{report['level']} level, type {report['type']}: {line}")
    units = report["units"].set_index("code")
    for label, codes in (
        ("most provided", report["most_provided"]),
        ("least provided", report["least_provided"]),
    ):
        named = ", ".join(
            f"{units.loc[c, 'name']} ({units.loc[c, 'per_10k']:.1f}/10k)" for c in codes
        )
        print(f"{label}: {named}")
    if "delta" in report:
        changes = "  ".join(
            f"{k} {v['delta']:+.3f}"
            for k, v in report["delta"]["indices"].items()
            if pd.notna(v["delta"])
        )
        print(f"after adding {report['added']} sites: {changes}")


def _cmd_cover(args: argparse.Namespace) -> int:
    """How many new sites, and where, so that inhabited buurten have one within reach."""
    from criteria.coverage_plan import add_cover_rank
    from criteria.run import run_scenario
    from criteria.scenario import CoverageOptions
    from geo.export import write_export_pair

    if args.all == (args.sites is not None):
        msg = "give exactly one of --all (fewest sites reaching every buurt) or --sites N."
        raise PlekwijzerInputError(msg)
    scenario = _scenario_from_args(args).replace(
        coverage=CoverageOptions(reach_m=args.reach_m, sites=args.sites)
    )
    if scenario.facilities is None:
        from criteria.profiles import load_profile

        kind = load_profile(scenario.profile).facility_type or scenario.profile
        _say(f"note: no --facilities register: no existing {kind} counts as cover")
    _source(args, scenario.data_dir)
    result = run_scenario(scenario)
    _print_notes(result.data.notes)
    plan = result.coverage
    assert plan is not None  # the scenario asks for coverage
    cover = plan.result
    out: Path = args.out
    context = {
        "profile": result.profile.name,
        "region": result.region.name,
        "reach_kind": plan.reach_kind,
        "demand_point": "representative point of the buurt (CBS 2024 inhabitants)",
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
        print(
            f"{site.cover_rank:>4}  {site.id:<14} +{site.adds_inhabitants:>8,.0f} inh  "
            f"score {site.score:.3f}  {names.get(site.id, '')}"
        )
    for buurt in cover.unreachable:
        print(f"  unreachable  {buurt.buurtcode}  {buurt.inhabitants:>8,.0f} inh")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """Rerun a scenario file and print it as a council report (PDF or HTML)."""
    from criteria.council import write_council_report
    from criteria.run import run_scenario
    from criteria.scenario import Scenario

    scenario = Scenario.from_file(args.scenario)
    scenario = scenario.replace(
        data_dir=args.data_dir or scenario.data_dir,
        sensitivity=args.sensitivity or scenario.sensitivity,
    )
    _source(args, scenario.data_dir)
    result = run_scenario(scenario)
    out = write_council_report(result, args.out)
    _say(f"report ({result.profile.title}, {result.region.title}) -> {out}")
    return 0


def _cmd_screen(args: argparse.Namespace) -> int:
    """Score a national candidate table partitioned by gemeente (dask); write GeoParquet."""
    from criteria.profiles import load_profile
    from criteria.screening import screen_dataset

    out = Path(args.out)
    if out.exists() and any(out.iterdir() if out.is_dir() else [out]):
        msg = f"--out {str(out)!r} already exists: remove it or give a new folder name"
        raise PlekwijzerInputError(msg)
    if not out.parent.is_dir():
        msg = f"--out: folder {str(out.parent)!r} does not exist: create it first (mkdir -p)"
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
        f"{report['candidates']:,} candidates in {report['partitions']} partition(s), "
        f"{report['excluded']:,} excluded, {report['seconds']:.1f} s on {report['scheduler']} "
        f"-> {out}"
    )
    for number, row in enumerate(report["top"].itertuples(index=False), start=1):
        print(f"{number:>4}  {row.score:.3f}  {row.id:<14} {row.gemeentecode}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``plekwijzer`` command."""
    parser = _Parser(
        prog="plekwijzer",
        description="Site suitability and spread of small housing facilities for homeless "
        "people (Noaberhuuske, tussenvoorziening, Skaeve Huse).",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=None,
        help="data directory (default: $PLEKWIJZER_DATA, ../shared/data, else synthetic demo)",
    )
    regions = sub.add_parser("regions", parents=[common], help="list region presets")
    regions.add_argument("--json", action="store_true", help="print JSON")
    regions.set_defaults(func=_cmd_regions)

    profiles = sub.add_parser("profiles", help="list facility profiles, criteria and weights")
    profiles.add_argument("--json", action="store_true", help="print JSON")
    profiles.set_defaults(func=_cmd_profiles)

    area = _Parser(add_help=False)
    where = area.add_mutually_exclusive_group()
    where.add_argument("--region", help="preset: twente, amersfoort, drechtsteden, ...")
    where.add_argument(
        "--gemeenten", help="own choice of gemeente codes: GM0153,GM0164 (spread: or all)"
    )

    count = _number(int, low=0, what="a whole number")
    cap = _number(int, low=1, what="a whole number")
    layers = _Parser(add_help=False)
    layers.add_argument(
        "--roads", help="OSM roads (GPKG or .osm): walking distances and main roads"
    )
    layers.add_argument(
        "--dwellings",
        help="address points (BAG verblijfsobject GPKG, any point GPKG/GeoJSON/CSV): measured "
        "distance to homes",
    )
    layers.add_argument(
        "--sensitive-osm", help="local .osm file: schools, kindergartens, childcare"
    )
    layers.add_argument("--layer", help="layer of a GeoPackage inventory with several layers")
    layers.add_argument(
        "--facilities-layer", help="layer of a GeoPackage register with several layers"
    )
    layers.add_argument(
        "--default-places",
        type=_number(float, low=1, high=2000, what="a number of places"),
        help="places for register rows that give none (default: such rows are refused)",
    )
    score = sub.add_parser("score", parents=[common, area, layers], help="score candidate sites")
    score.add_argument(
        "--scenario",
        help="rerun a .scenario.json written by score or the app (instead of the "
        "options that describe a run)",
    )
    score.add_argument("--profile", help="profile name or TOML file")
    score.add_argument("--candidates", help="inventory CSV/GeoJSON/GPKG/BAG")
    score.add_argument("--facilities", help="facility register CSV/GeoJSON/GPKG")
    score.add_argument(
        "--weight", action="append", metavar="CRITERION=W", help="override a weight (repeatable)"
    )
    score.add_argument(
        "--constraint",
        action="append",
        metavar="NAME=VALUE",
        help="change a hard rule's value, e.g. plot_size=800 or site_use=grond,bedrijf",
    )
    score.add_argument("--top", type=cap, default=10, help="shortlist size (default 10)")
    score.add_argument(
        "--min-spacing-m",
        type=_number(float, low=0, high=1e6, what="metres"),
        default=0.0,
        help="minimum distance between shortlisted sites in metres",
    )
    score.add_argument("--max-per-buurt", type=cap, default=None)
    score.add_argument("--max-per-gemeente", type=cap, default=None)
    score.add_argument(
        "--evenness",
        type=_number(float, low=0, high=1, what="a weight"),
        default=0.0,
        metavar="W",
        help="0..1: trade score against a more even spread over gemeenten (default 0: off)",
    )
    score.add_argument(
        "--sensitivity",
        type=count,
        default=0,
        metavar="N",
        help="also run N Monte Carlo weight draws and one-at-a-time changes "
        "(<out>.sensitivity.json)",
    )
    score.add_argument(
        "--out",
        required=True,
        type=_output(".geojson", ".json"),
        help="output GeoJSON (scenario file beside it)",
    )
    score.set_defaults(func=_cmd_score)

    spread = sub.add_parser("spread", parents=[common, area], help="spread of facilities")
    spread.add_argument("--facilities", required=True, help="facility register")
    spread.add_argument("--type", default=None, help="one facility type (default: all)")
    spread.add_argument("--level", choices=LEVELS, default="gemeente")
    spread.add_argument("--scenario", help="shortlist GeoJSON from `plekwijzer score`")
    spread.add_argument(
        "--fair-share-correction",
        type=_number(float, low=0, high=1, what="a share"),
        default=0.0,
        help="draagkracht correction of the fair share, 0..1 (default 0)",
    )
    spread.add_argument(
        "--out", required=True, type=_output(".json", ".csv"), help="FILE.json or FILE.csv"
    )
    spread.set_defaults(func=_cmd_spread, needs_area=True)

    cover = sub.add_parser(
        "cover",
        parents=[common, area, layers],
        help="how many new sites, and where, to reach everyone",
    )
    cover.add_argument("--profile", required=True, help="profile name or TOML file")
    cover.add_argument("--candidates", required=True, help="inventory CSV/GeoJSON/GPKG/BAG")
    cover.add_argument("--facilities", help="facility register: its sites of the type count")
    cover.add_argument(
        "--reach-m",
        type=_number(float, low=1, high=1e6, what="metres"),
        required=True,
        help="reach in straight-line metres, e.g. 3000",
    )
    cover.add_argument(
        "--all", action="store_true", help="fewest new sites reaching every inhabited buurt"
    )
    cover.add_argument(
        "--sites", type=cap, default=None, metavar="N", help="the N new sites reaching most"
    )
    cover.add_argument(
        "--out", required=True, type=_output(".json"), help="cover.json (scenario file beside it)"
    )
    cover.add_argument(
        "--geojson",
        type=_output(".geojson", ".json"),
        help="also write the candidates with cover_rank",
    )
    cover.set_defaults(
        func=_cmd_cover, needs_area=True, scenario=None, weight=None,
        constraint=None, top=10, min_spacing_m=0.0, max_per_buurt=None, max_per_gemeente=None,
        evenness=0.0, sensitivity=0,
    )  # fmt: skip
    report = sub.add_parser(
        "report", parents=[common], help="council report (PDF or HTML) of a scenario file"
    )
    report.add_argument(
        "--scenario", required=True, help="FILE.scenario.json from score or the app"
    )
    report.add_argument(
        "--sensitivity",
        type=count,
        default=0,
        metavar="N",
        help="also run N weight draws and show each site's stability",
    )
    report.add_argument(
        "--out", required=True, type=_output(".pdf", ".html"), help="report.pdf or report.html"
    )
    report.set_defaults(func=_cmd_report)

    screen = sub.add_parser(
        "screen", help="score a national candidate table partitioned by gemeente (dask)"
    )
    screen.add_argument(
        "--candidates",
        required=True,
        help="candidate feature table: a folder of Parquet files, one per gemeente",
    )
    screen.add_argument("--profile", required=True, help="profile name or TOML file")
    screen.add_argument(
        "--weight", action="append", metavar="CRITERION=W", help="override a weight (repeatable)"
    )
    screen.add_argument("--top", type=count, default=10, help="best sites to print (default 10)")
    screen.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="dask scheduler, e.g. tcp://host:8786 (default: a local cluster of this "
        "machine's cores; threads, processes or synchronous: no cluster)",
    )
    screen.add_argument(
        "--out", required=True, help="output folder: one GeoParquet file per partition"
    )
    screen.set_defaults(func=_cmd_screen)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (2 for bad input, 130 for Ctrl-C)."""
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # --help, or a bad option already reported in one line
            return int(stop.code or 0)
        if getattr(args, "needs_area", False) and args.region is None and args.gemeenten is None:
            _say("plekwijzer: error: give --region NAME or --gemeenten GM0153,GM0164")
            return 2
        return int(args.func(args))
    except PlekwijzerError as exc:
        _say(f"plekwijzer: error: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("plekwijzer: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
