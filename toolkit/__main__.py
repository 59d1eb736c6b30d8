"""Command line: ``python -m toolkit`` or ``bup-toolkit``.

``check PATH``      load one unit (folder or workbook) and print its row account.
``reports MANIFEST`` run a report notebook for every unit of a manifest with
                    papermill, in parallel, to self-contained HTML and an index page.
``run MANIFEST``    the main job on every unit of a manifest: load and validate
                    each unit, print its row account and a one-line flow summary,
                    then write every unit's report and the region overview and
                    print where the index page is.
``serve``           serve the workshop workbooks with Voilà on 127.0.0.1 and
                    print the address with its token (a page without the
                    token, or opened by another host name than 127.0.0.1,
                    localhost or an ``--allow-host NAME``, gets 403);
                    ``--workshop NAME`` keeps a pre-heated kernel ready for
                    every page of the workbook a whole room opens at once.
                    SIGTERM, SIGINT and SIGHUP stop Voilà and its kernels.

Every message is in Swedish unless ``--lang en`` is given. A unit whose data
cannot be used prints its error and the run goes on; the exit status is the
number of units that failed (capped at 100).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from toolkit import batch, flow
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
        units = read_manifest(args.manifest, lang=args.lang, data_roots=args.data_root)
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
    print()
    args.notebook = "unit_report"
    args.lang_override = None
    reports_failed = _reports(args)
    return min(max(failed, reports_failed), 100)


def _reports(args: argparse.Namespace) -> int:
    """Run the report notebooks for every unit; print failures, the summary and the index path."""
    lang = args.lang
    if args.notebook == "region_overview":
        region = batch.run_region(
            args.manifest,
            out=args.out,
            share=args.share,
            threshold=args.threshold,
            lang=lang,
            data_roots=tuple(args.data_root),
        )
        if region.status != "ok":
            print(t("cli.error", lang, message=region.message), file=sys.stderr)
        print(region.html)
        return int(region.status != "ok")
    try:
        result = batch.run_batch(
            args.manifest,
            out=args.out,
            notebook=args.notebook,
            workers=args.workers,
            share=args.share,
            threshold=args.threshold,
            lang=args.lang_override,
            data_roots=tuple(args.data_root),
        )
    except DataError as err:
        print(t("cli.error", lang, message=err.message(lang)), file=sys.stderr)
        return 1
    region = batch.run_region(
        args.manifest,
        out=result.out,
        share=args.share,
        threshold=args.threshold,
        lang=lang,
        data_roots=tuple(args.data_root),
    )
    failed = result.failed
    if region.status == "ok":
        result.region = region.html
    else:
        failed += 1
        print(t("batch.unit_failed", lang, id=region.id, message=region.message), file=sys.stderr)
    batch.write_index(result, lang)
    for unit in result.units:
        if unit.status != "ok":
            print(t("batch.unit_failed", lang, id=unit.id, message=unit.message), file=sys.stderr)
    print(result.summary(lang))
    return min(failed, 100)


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("output/reports"), help="output folder")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: cores)"
    )
    parser.add_argument(
        "--share",
        action="store_true",
        help="share mode: counts rounded to 5, small ones shown as <threshold (docs/disclosure.md)",
    )
    parser.add_argument("--threshold", type=int, default=5, help="smallest count shown (--share)")
    parser.add_argument(
        "--data-root",
        type=Path,
        action="append",
        default=[],
        help="a folder besides the manifest's own that units' data may lie in (repeatable)",
    )


def _serve(args: argparse.Namespace) -> int:
    from toolkit.widgets import serve

    hosts = tuple(args.allow_host or ())
    if args.pages is None:
        return serve(args.port, args.lang, args.workshop, allow_hosts=hosts)
    return serve(args.port, args.lang, args.workshop, args.pages, allow_hosts=hosts)


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
    _report_options(run)
    run.set_defaults(func=_run)
    reports = sub.add_parser("reports", help="a report for every unit of a manifest (HTML)")
    reports.add_argument("manifest", type=Path)
    _report_options(reports)
    reports.add_argument(
        "--notebook", choices=batch.NOTEBOOKS, default="unit_report", help="which report"
    )
    reports.add_argument(
        "--report-lang",
        dest="lang_override",
        choices=LANGUAGES,
        default=None,
        help="language of every report (default: each unit's own)",
    )
    reports.set_defaults(func=_reports)
    serve = sub.add_parser("serve", help="serve the workshop workbooks with Voilà on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument(
        "--workshop",
        default=None,
        metavar="WORKBOOK",
        help="the workbook a whole room opens at once: keep a kernel ready for every page",
    )
    serve.add_argument(
        "--pages", type=int, default=None, help="pages ready at once for --workshop (default 12)"
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=None,
        metavar="NAME",
        help="a host name, besides 127.0.0.1 and localhost, the page may be opened by (repeatable)",
    )
    serve.set_defaults(func=_serve)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ParameterError as err:
        print(t("cli.error", args.lang, message=err.message(args.lang)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
