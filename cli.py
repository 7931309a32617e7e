"""Command-line front end: ``plekwijzer regions | profiles | score | spread``.

A thin layer over :mod:`geo` and :mod:`criteria`: it parses options, calls library functions
and prints. Bad input ends with one message on stderr and exit code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from geo._errors import PlekwijzerInputError
from geo.datadir import resolve_data_dir
from geo.regions import load_region_presets, region_summary


def _cmd_regions(args: argparse.Namespace) -> int:
    source = resolve_data_dir(args.data_dir)
    print(source.describe(), file=sys.stderr)
    summaries = []
    for region in load_region_presets().values():
        if region.synthetic != source.synthetic:
            continue
        summary = region_summary(region, source)
        if summary["missing_gemeenten"]:
            print(
                f"note: {region.name} lacks {summary['missing_gemeenten']} in this data",
                file=sys.stderr,
            )
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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``plekwijzer`` command."""
    parser = argparse.ArgumentParser(
        prog="plekwijzer",
        description="Site suitability and spread of small housing facilities for homeless "
        "people (Noaberhuuske, tussenvoorziening, Skaeve Huse).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir",
        default=None,
        help="data directory (default: $PLEKWIJZER_DATA, ../shared/data, else synthetic demo)",
    )
    regions = sub.add_parser("regions", parents=[data_dir], help="list region presets")
    regions.add_argument("--json", action="store_true", help="print JSON")
    regions.set_defaults(func=_cmd_regions)
    for register in _EXTRA_COMMANDS:
        register(sub, data_dir)
    return parser


#: Subcommand registrars added by other modules of the CLI (score, spread, profiles).
_EXTRA_COMMANDS: list = []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (PlekwijzerInputError, ValueError) as exc:
        print(f"plekwijzer: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
