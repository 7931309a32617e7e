"""Command-line front end: ``plekwijzer regions | profiles | score | spread``.

A thin layer over :mod:`geo` and :mod:`criteria`: it parses options, calls library functions
and prints. Bad input ends with one message on stderr and exit code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from criteria._errors import FeatureTableError, ProfileError
from criteria.profiles import list_profiles, load_profile
from criteria.run import ShortlistOptions, run_scoring, scenario_dict
from criteria.sensitivity import sensitivity_report
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource, resolve_data_dir
from geo.evenness import evenness_aware_shortlist
from geo.export import write_json_atomic, write_text_atomic
from geo.regions import Region, load_region_presets, region_summary, resolve_region
from geo.settings import DEFAULT_PLACES
from geo.spread_report import (
    LEVELS,
    facilities_from_shortlist,
    report_to_json,
    scenario_report,
    spread_report,
    units_for_level,
)
from geo.workspace import load_region_data

_USER_ERRORS = (PlekwijzerInputError, ProfileError, FeatureTableError)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _source(args: argparse.Namespace) -> DataSource:
    source = resolve_data_dir(args.data_dir)
    _say(source.describe())
    return source


def _cmd_regions(args: argparse.Namespace) -> int:
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
    else:
        for s in summaries:
            print(
                f"{s['name']:<20} {len(s['gemeenten']):>2} gemeenten {s['buurten']:>5} buurten "
                f"{s['inhabitants']:>10,} inwoners  {s['title']}"
            )
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    names = list_profiles()
    profiles = [load_profile(n) for n in names]
    if args.json:
        print(
            json.dumps(
                [p.to_dict() | {"weights": p.weights.round(4).to_dict()} for p in profiles],
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    for profile in profiles:
        print(f"{profile.name}  ({profile.title}, {profile.aggregation})")
        for constraint in profile.constraints:
            rule = " or ".join(c.describe() for c in constraint.clauses)
            print(f"  must   {rule:<48} {constraint.rationale}")
        for name, weight in profile.weights.items():
            criterion = next(c for c in profile.criteria if c.name == name)
            print(f"  {weight:5.2f}  {name:<30} {criterion.feature:<34} {criterion.rationale}")
        print()
    return 0


def _parse_weights(items: Sequence[str] | None) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            msg = f"--weight {item!r}: write CRITERION=NUMBER, e.g. --weight ov_access=0.3"
            raise PlekwijzerInputError(msg) from None
    return weights


def _region(args: argparse.Namespace) -> Region:
    return resolve_region(args.region, gemeenten=args.gemeenten)


def _cmd_score(args: argparse.Namespace) -> int:
    out = Path(args.out)
    profile = load_profile(args.profile)
    weights = _parse_weights(args.weight)
    source = _source(args)
    region = _region(args)
    data = load_region_data(
        region,
        source,
        candidates_path=args.candidates,
        facilities_path=args.facilities,
        roads_path=args.roads,
        use_defaults=False,
    )
    if args.facilities is None:
        _say("note: no --facilities register: criteria on existing facilities score as unknown")
    options = ShortlistOptions(
        top_n=args.top,
        min_spacing_m=args.min_spacing_m,
        max_per_buurt=args.max_per_buurt,
        max_per_gemeente=args.max_per_gemeente,
        evenness_weight=args.evenness,
    )
    run = run_scoring(data.features, profile, weights=weights, options=options)
    if options.evenness_weight > 0:
        # Evenness over gemeenten, counting the places of every existing facility type.
        picks = evenness_aware_shortlist(
            run.table,
            units=units_for_level(data.buurten, level="gemeente", published=data.published),
            existing_places=data.facilities.groupby("gemeentecode")["places"].sum(),
            places_per_site=DEFAULT_PLACES.get(profile.name, 1),
            top_n=options.top_n,
            evenness_weight=options.evenness_weight,
            min_spacing_m=options.min_spacing_m,
            max_per_buurt=options.max_per_buurt,
            max_per_gemeente=options.max_per_gemeente,
        )
        run.table["shortlisted"] = picks["shortlisted"]
    collection = run.feature_collection()
    collection["plekwijzer"] = {
        "profile": run.profile.name,
        "facility_type": run.profile.name,
        "region": region.name,
    }
    scenario_path = out.with_name(out.stem + ".scenario.json")
    scenario = scenario_dict(
        run,
        region={"name": region.name, "gemeenten": list(region.gemeenten)},
        data={"data_dir": str(source.path), "synthetic": source.synthetic, **data.inputs},
    )
    write_json_atomic(out, collection)
    write_json_atomic(scenario_path, scenario)
    if args.sensitivity:
        report = sensitivity_report(
            data.features, run.profile, n=args.sensitivity, top_n=options.top_n
        )
        sensitivity_path = out.with_name(out.stem + ".sensitivity.json")
        write_json_atomic(sensitivity_path, report)
        _print_sensitivity(report, sensitivity_path)
    for warning in run.warnings:
        _say(f"warning: {warning}")
    table = run.table
    _say(
        f"{len(table)} candidates, {int(table['excluded'].sum())} excluded, "
        f"{int(table['shortlisted'].sum())} shortlisted -> {out} (+ {scenario_path.name})"
    )
    for _, row in run.shortlist.iterrows():
        print(
            f"{int(row['rank']):>4}  {row['score']:.3f}  {row['id']:<14} {row['buurtcode']}  "
            f"{row['name']}"
        )
    return 0


def _print_sensitivity(report: dict, path: Path) -> None:
    mc = report["monte_carlo"]
    _say(
        f"sensitivity ({mc['n']} weight draws, ±{mc['spread']:.0%}): top site "
        f"{mc['top_site']} stays first in {mc['top_site_share']:.0%}, mean rank correlation "
        f"{mc['mean_spearman']:.2f} -> {path.name}"
    )
    flip = report["smallest_flip"]["smallest"]
    if flip:
        _say(
            f"smallest single-weight change that flips the top site: {flip['criterion']} "
            f"{flip['weight']:.3f} -> {flip['critical_weight']:.3f} "
            f"(new top {flip['new_top_site']})"
        )


def _cmd_spread(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in {".json", ".csv"}:
        msg = f"--out {out}: use a .json or .csv file name."
        raise PlekwijzerInputError(msg)
    source = _source(args)
    region = _region(args)
    data = load_region_data(
        region,
        source,
        facilities_path=args.facilities,
        candidates_path=None,
        use_defaults=False,
        with_candidates=False,
    )
    options = {
        "level": args.level,
        "facility_type": args.type,
        "fair_share_correction": args.fair_share_correction,
        "published": data.published,
    }
    if args.scenario:
        new = facilities_from_shortlist(args.scenario, buurten=data.buurten)
        report = scenario_report(data.buurten, data.facilities, new, **options)
    else:
        report = spread_report(data.buurten, data.facilities, **options)
    report["region"] = region.name
    report["data"] = {
        "data_dir": str(source.path),
        "synthetic": source.synthetic,
        "facilities": str(args.facilities),
    }
    if out.suffix.lower() == ".json":
        write_json_atomic(out, report_to_json(report))
    else:
        table = report["units"]
        if "after" in report:
            table = report["delta"]["units"]
        write_text_atomic(out, table.to_csv(index=False))
    _print_spread(report)
    return 0


def _print_spread(report: dict) -> None:
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


def _cmd_report(args: argparse.Namespace) -> int:
    """Rerun the scenario a ``score`` run wrote and print it as a council report.

    Temporary glue until ``criteria.scenario.run_scenario``: it reads the scenario file,
    reruns scoring and the spread analysis with the same inputs, keeps the recorded
    shortlist and hands a :class:`geo.report.ReportInput` to :func:`geo.report.write_report`.
    """
    import dataclasses

    from criteria.profiles import profile_from_dict, with_shipped_texts
    from geo import report as council
    from geo.report.labels import type_label
    from geo.spread_report import facilities_from_sites

    path = Path(args.scenario)
    try:
        scenario = json.loads(path.read_text(encoding="utf-8"))
        region_data, profile_data = scenario["region"], scenario["profile"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        msg = f"{path}: not a readable scenario file ({err}); pass the FILE.scenario.json "
        msg += "that `plekwijzer score` writes beside its GeoJSON."
        raise PlekwijzerInputError(msg) from err
    profile = with_shipped_texts(profile_from_dict(profile_data, source=path))
    inputs = scenario.get("data", {})
    recorded = Path(str(inputs.get("data_dir", "")))
    source = _source(args) if args.data_dir or not recorded.is_dir() else resolve_data_dir(recorded)
    presets = load_region_presets()
    name = region_data.get("name", "custom")
    region = presets.get(name) or resolve_region(None, gemeenten=",".join(region_data["gemeenten"]))
    if list(region.gemeenten) != list(region_data["gemeenten"]):
        region = dataclasses.replace(region, gemeenten=tuple(region_data["gemeenten"]))

    def given(key: str) -> str | None:
        value = inputs.get(key)
        return None if value in (None, "none", "None") else value

    data = load_region_data(
        region,
        source,
        candidates_path=given("candidates"),
        facilities_path=given("facilities"),
        roads_path=given("roads"),
        use_defaults=False,
    )
    listed = scenario.get("shortlist", {})
    options = ShortlistOptions(
        **{k: listed[k] for k in ShortlistOptions.__dataclass_fields__ if k in listed}
    )
    # The scenario's profile already carries the weights used (overrides included).
    run = run_scoring(data.features, profile, options=options)
    table = run.table
    if listed.get("ids"):  # the shortlist as it was shown, whatever rule picked it
        table["shortlisted"] = table["id"].isin(listed["ids"])
    sensitivity = None
    if args.sensitivity:
        sensitivity = sensitivity_report(
            data.features, run.profile, n=args.sensitivity, top_n=options.top_n
        )
        shares = {s["id"]: s["share_in_top_n"] for s in sensitivity["monte_carlo"]["sites"]}
        table["stability"] = table["id"].map(shares).fillna(0.0).where(~table["excluded"])
    new = facilities_from_sites(
        table[table["shortlisted"]], facility_type=profile.name, buurten=data.buurten
    )
    spread = scenario_report(
        data.buurten, data.facilities, new, level="gemeente", published=data.published
    )
    sources = council.data_sources(source, inputs)
    report = council.ReportInput(
        region_title=region.title.split(" (")[0] if region.title else region.name,
        profile=run.profile,
        table=table,
        buurten=data.buurten,
        spread=spread,
        facilities=data.facilities,
        weights=run.weights,
        sources=sources,
        illustrative=council.illustrative_notes(sources),
        shortlist_options=dataclasses.asdict(options),
        sensitivity=sensitivity,
    )
    out = council.write_report(report, args.out)
    _say(f"{type_label(profile.name)} report for {region.name}: -> {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``plekwijzer`` command."""
    parser = argparse.ArgumentParser(
        prog="plekwijzer",
        description="Site suitability and spread of small housing facilities for homeless "
        "people (Noaberhuuske, tussenvoorziening, Skaeve Huse).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
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

    area = argparse.ArgumentParser(add_help=False)
    where = area.add_mutually_exclusive_group(required=True)
    where.add_argument("--region", help="preset: twente, amersfoort, drechtsteden, ...")
    where.add_argument("--gemeenten", help="own choice of gemeente codes: GM0153,GM0164")

    score = sub.add_parser("score", parents=[common, area], help="score candidate sites")
    score.add_argument("--profile", required=True, help="profile name or TOML file")
    score.add_argument("--candidates", required=True, help="inventory CSV/GeoJSON/GPKG/BAG")
    score.add_argument("--facilities", help="facility register CSV/GeoJSON/GPKG")
    score.add_argument("--roads", help="OSM road layer (GPKG) for distance to main roads")
    score.add_argument(
        "--weight", action="append", metavar="CRITERION=W", help="override a weight (repeatable)"
    )
    score.add_argument("--top", type=int, default=10, help="shortlist size (default 10)")
    score.add_argument(
        "--min-spacing-m",
        type=float,
        default=0.0,
        help="minimum distance between shortlisted sites in metres",
    )
    score.add_argument("--max-per-buurt", type=int, default=None)
    score.add_argument("--max-per-gemeente", type=int, default=None)
    score.add_argument(
        "--evenness",
        type=float,
        default=0.0,
        metavar="W",
        help="0..1: trade score against a more even spread over gemeenten (default 0: off)",
    )
    score.add_argument(
        "--sensitivity",
        type=int,
        default=0,
        metavar="N",
        help="also run N Monte Carlo weight draws and one-at-a-time changes "
        "(<out>.sensitivity.json)",
    )
    score.add_argument("--out", required=True, help="output GeoJSON (scenario file beside it)")
    score.set_defaults(func=_cmd_score)

    spread = sub.add_parser("spread", parents=[common, area], help="spread of facilities")
    spread.add_argument("--facilities", required=True, help="facility register")
    spread.add_argument("--type", default=None, help="one facility type (default: all)")
    spread.add_argument("--level", choices=LEVELS, default="gemeente")
    spread.add_argument("--scenario", help="shortlist GeoJSON from `plekwijzer score`")
    spread.add_argument(
        "--fair-share-correction",
        type=float,
        default=0.0,
        help="draagkracht correction of the fair share, 0..1 (default 0)",
    )
    spread.add_argument("--out", required=True, help="FILE.json or FILE.csv")
    spread.set_defaults(func=_cmd_spread)

    report = sub.add_parser(
        "report", parents=[common], help="council report (PDF or HTML) of a scenario file"
    )
    report.add_argument("--scenario", required=True, help="FILE.scenario.json from `score`")
    report.add_argument(
        "--sensitivity",
        type=int,
        default=0,
        metavar="N",
        help="also run N weight draws and show each site's stability",
    )
    report.add_argument("--out", required=True, help="report.pdf or report.html")
    report.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except _USER_ERRORS as exc:
        _say(f"plekwijzer: error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
