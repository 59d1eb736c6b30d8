"""Command line: ``python -m toolkit`` or ``bup-toolkit``.

``check PATH``      load one unit (folder or workbook) and print its row account.
``run MANIFEST``    the main job on every unit of a manifest: load and validate
                    each unit, print its row account and a one-line flow summary.

Every message is in Swedish unless ``--lang en`` is given. A unit whose data
cannot be used prints its error and the run goes on; the exit status is the
number of units that failed (capped at 100).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from toolkit import flow
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import LANGUAGES, t
from toolkit.io import UnitData, load_unit
from toolkit.manifest import read_manifest


def _summary_line(unit: UnitData, lang: str) -> str:
    """The one-line flow summary: the numbers come from :func:`toolkit.flow.snapshot`."""
    s = flow.snapshot(unit)
    fields = {
        **s,
        "first_date": s["first_date"].date().isoformat(),
        "last_date": s["last_date"].date().isoformat(),
    }
    if s["kind"] == "counts":
        return t("cli.summary_counts", lang, **fields)
    fields["share_within_first"] = (
        "–"
        if s["share_within_first"] != s["share_within_first"]
        else f"{100 * s['share_within_first']:.0f} %"
    )
    return t("cli.summary_events", lang, **fields)


def _print_unit(unit: UnitData, lang: str) -> None:
    print(unit.report(lang))
    print(_summary_line(unit, lang))


def _check(args: argparse.Namespace) -> int:
    try:
        unit = load_unit(args.path, lang=args.lang, extract_date=args.extract_date)
    except DataError as err:
        print(t("cli.error", args.lang, message=err.message(args.lang)), file=sys.stderr)
        return 1
    _print_unit(unit, args.lang)
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        units = read_manifest(args.manifest, lang=args.lang)
    except DataError as err:
        print(t("cli.error", args.lang, message=err.message(args.lang)), file=sys.stderr)
        return 1
    failed = 0
    for entry in units:
        print()
        print(f"== {entry.name} ({entry.id}) ==")
        try:
            unit = load_unit(entry.path, lang=args.lang, extract_date=entry.extract_date)
        except DataError as err:
            failed += 1
            print(t("cli.error", args.lang, message=err.message(args.lang)), file=sys.stderr)
            continue
        _print_unit(unit, args.lang)
    print()
    print(t("cli.run_done", args.lang, n=len(units), failed=failed))
    return min(failed, 100)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m toolkit`` and the ``bup-toolkit`` script."""
    parser = argparse.ArgumentParser(prog="bup-toolkit", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=LANGUAGES, default="sv", help="sv (default) or en")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="load one unit and print its row account")
    check.add_argument("path", type=Path)
    check.add_argument("--extract-date", default=None, help="YYYY-MM-DD (default: today)")
    check.set_defaults(func=_check)
    run = sub.add_parser("run", help="the main job on every unit of a manifest")
    run.add_argument("manifest", type=Path)
    run.set_defaults(func=_run)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ParameterError as err:
        print(t("cli.error", args.lang, message=err.message(args.lang)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
