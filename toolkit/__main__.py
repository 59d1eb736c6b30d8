"""Command line: ``python -m toolkit`` or ``bup-toolkit``.

``check PATH``        load one unit (folder or workbook) and print its row account.
``run [MANIFEST]``    the main job on every unit of a manifest (the bundled sample
                      units when none is given): load and validate each unit,
                      print its row account and a one-line flow summary, then
                      write every unit's report and the region overview and
                      print where the index page is.
``reports [MANIFEST]`` a report notebook for every unit of a manifest, run with
                      papermill in parallel, to self-contained HTML and an index page;
                      ``--who-by`` and ``--measure`` choose the region overview's
                      who-waits grouping and SPC measure.
``serve``             serve the workshop workbooks with Voilà and print the
                      address with its token (:func:`toolkit.widgets.serve`);
                      ``--room`` opens it to the room's network.
``templates``         write the data-entry templates (Excel and CSV) to ``--out``.
``national FILE``     a report (HTML) of a national waiting-time file: funnel plots
                      comparing units and the share within target per month;
                      with ``--unit NAME`` one unit's monthly counts-only report
                      (``--share`` and ``--threshold`` as for ``run``).
``requirements FILE`` what a documentation requirements list takes and frees
                      (hours, FTE, visits, queue weeks) as HTML and Excel.
``demo``              ``run`` on the bundled sample units, then ``serve``.
``handouts``          write the printed material for a workshop room (cheat sheets,
                      questionnaires, PDSA form, answer key, lesson plan) as HTML and,
                      with a Chromium-family browser, PDF (:mod:`toolkit.handouts`).
``material [SOURCE]`` material for the unit's meeting (slides, Excel tables, charts as
                      PNG and SVG; :mod:`toolkit.meeting`) for one unit (a folder or
                      workbook) or every unit of a manifest, into ``--out``.

``--lang sv|en`` and ``--version`` are accepted before or after the
sub-command. Every message is in Swedish unless ``--lang en`` is given.

Exit status (also in ``--help`` and the README): 0 all went well; 1–100 the
number of units whose data or report failed (``run``, ``reports``; a unit
whose data cannot be used prints its error and the run goes on), 1 for
``check`` with data that cannot be used or a manifest that cannot be read;
2 a wrong command line or parameter; ``serve`` returns Voilà's own status
(0 after Ctrl+C or a stop signal).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from toolkit import batch, flow
from toolkit.equity import GROUPINGS
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import LANGUAGES, t
from toolkit.io import UnitData, load_unit
from toolkit.manifest import read_manifest
from toolkit.report.region import REGION_MEASURES
from toolkit.report.region_who import DEFAULT_GROUPING
from toolkit.resources import folder

#: The region overview's who-waits groupings offered on the command line, the default first.
WHO_BY = (DEFAULT_GROUPING, *(g for g in GROUPINGS if g != DEFAULT_GROUPING))
#: The default measure of the region overview's SPC small multiples.
DEFAULT_MEASURE = "waiting_first"


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
    args.who_by, args.measure = DEFAULT_GROUPING, DEFAULT_MEASURE
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
            who_by=args.who_by,
            measure=args.measure,
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
        who_by=args.who_by,
        measure=args.measure,
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


def _report_options(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument(
        "manifest",
        type=Path,
        nargs="?",
        default=None,
        help=t("cli.help.manifest", lang),
    )
    parser.add_argument(
        "--out", type=Path, default=Path("output/reports"), help=t("cli.help.out", lang)
    )
    parser.add_argument("--workers", type=int, default=None, help=t("cli.help.workers", lang))
    parser.add_argument("--share", action="store_true", help=t("cli.help.share", lang))
    parser.add_argument("--threshold", type=int, default=5, help=t("cli.help.threshold", lang))
    parser.add_argument(
        "--data-root",
        type=Path,
        action="append",
        default=[],
        help=t("cli.help.data_root", lang),
    )


def _sample_manifest(args: argparse.Namespace) -> None:
    """No manifest given: the bundled sample units (``sample_data/units.yaml``)."""
    if args.manifest is None:
        args.manifest = folder("sample_data", lang=args.lang) / "units.yaml"
        print(t("cli.sample_units", args.lang, path=args.manifest), flush=True)


def _serve(args: argparse.Namespace) -> int:
    from toolkit.widgets import serve

    hosts = tuple(args.allow_host or ())
    kwargs = {} if args.pages is None else {"pages": args.pages}
    return serve(
        args.port,
        args.lang,
        args.workshop,
        allow_hosts=hosts,
        room=args.room,
        ip=args.ip,
        **kwargs,
    )


def _templates(args: argparse.Namespace) -> int:
    from toolkit.templates import write_templates

    paths = write_templates(args.out, lang=args.lang)
    from toolkit import admin_inventory, national  # the lists a coach fills in beside the data

    paths += national.write_files(args.out)
    paths += [Path(p) for p in admin_inventory.write_template(str(args.out))]
    print(t("templates.written", args.lang, n=len(paths), folder=args.out))
    return 0


def _national(args: argparse.Namespace) -> int:
    from toolkit.national_report import national_report, national_unit_report, write_page

    options = {"lang": args.lang, "share": args.share, "threshold": args.threshold}
    if args.unit is not None:
        report = national_unit_report(args.path, args.unit, **options)
    else:
        report = national_report(args.path, months=args.months, **options)
    if report.error:
        print(t("cli.error", args.lang, message=report.error), file=sys.stderr)
        return 1
    out = write_page(report, args.out)
    print(t("national.cli.written", args.lang, path=str(out)))
    return 0


def _requirements(args: argparse.Namespace) -> int:
    from toolkit.admin_report import excel_bytes, requirements_report, requirements_table
    from toolkit.national_report import write_page

    options = {
        "queue_size": args.queue,
        "first_assessments_per_week": args.first_per_week,
        "all_to_first": args.all_to_first,
        "lang": args.lang,
    }
    report = requirements_report(args.path, **options)
    if report.error:
        print(t("cli.error", args.lang, message=report.error), file=sys.stderr)
        return 1
    page = write_page(report, args.out)
    xlsx = page.with_suffix(".xlsx")
    xlsx.write_bytes(excel_bytes(requirements_table(args.path, **options), args.lang))
    print(t("admin.cli.written", args.lang, html=str(page), xlsx=str(xlsx)))
    return 0


def _handouts(args: argparse.Namespace) -> int:
    from toolkit.handouts import write_handouts

    written = write_handouts(args.out, args.lang, pdf=not args.html_only, browser=args.browser)
    for message in written.messages:
        print(message, file=sys.stderr)
    pdf = t("handouts.pdf_done", args.lang) if written.pdf else ""
    print(t("handouts.written", args.lang, n=len(written.html), folder=args.out, pdf=pdf))
    return 0


def _demo(args: argparse.Namespace) -> int:
    args.manifest = None
    args.workers, args.share, args.threshold, args.data_root = None, False, 5, []
    args.workshop, args.pages, args.allow_host, args.room, args.ip = None, None, None, False, None
    _sample_manifest(args)
    failed = _run(args)
    if failed:
        return failed
    return _serve(args)


def _material(args: argparse.Namespace) -> int:
    """Meeting material for one unit, or for every unit of a manifest (one folder per unit)."""
    from toolkit import meeting, report

    lang, source = args.lang, args.source
    jobs: list[tuple[Path, dict[str, object]]] = []
    if source is None or source.suffix.lower() in (".yaml", ".yml"):
        args.manifest = source
        _sample_manifest(args)
        try:
            units = read_manifest(args.manifest, lang=lang, data_roots=args.data_root)
        except DataError as err:
            print(t("cli.error", lang, message=err.message(lang)), file=sys.stderr)
            return 1
        for entry in units:
            options: dict[str, object] = {
                "unit_path": entry.path,
                "unit_name": entry.name,
                "lang": entry.language,
                "target_profile": entry.target_profile,
                "extract_date": entry.extract_date,
            }
            if "period_start" in entry.extra:
                options["period_start"] = entry.extra["period_start"]
            jobs.append((args.out / entry.id, options))
    else:
        options = {"unit_path": source, "unit_name": args.unit_name, "lang": lang}
        options["extract_date"] = args.extract_date
        jobs.append((args.out, options))
    failed = 0
    for out, options in jobs:
        options.update(share=args.share, threshold=args.threshold)
        computed = report.unit_report(**options)  # type: ignore[arg-type]
        material = meeting.write_material(computed, out)
        if computed.error is not None:
            failed += 1
            print(t("cli.error", lang, message=computed.error), file=sys.stderr)
        print(material.message(lang))
    return min(failed, 100)


def _serve_options(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument("--port", type=int, default=8866, help=t("cli.help.port", lang))


def _version() -> str:
    from toolkit import __version__

    return f"bup-toolkit {__version__}"


def _parser(lang: str) -> argparse.ArgumentParser:
    """The command line, with every help text in ``lang``."""
    # --lang and --version are accepted before and after the sub-command: the
    # sub-commands share them with default=SUPPRESS so that one given before
    # the sub-command is not overwritten by the sub-command's default
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=t("cli.help.lang", lang)
    )
    common.add_argument(
        "--version", action="version", version=_version(), help=t("cli.help.version", lang)
    )
    parser = argparse.ArgumentParser(
        prog="bup-toolkit",
        description=t("cli.help.description", lang),
        epilog=t("cli.help.exit_status", lang),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lang", choices=LANGUAGES, default="sv", help=t("cli.help.lang", lang))
    parser.add_argument(
        "--version", action="version", version=_version(), help=t("cli.help.version", lang)
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: list[
        tuple[str, Callable[[argparse.ArgumentParser, str], None], Callable[..., int]]
    ] = [
        ("check", _check_arguments, _check),
        ("run", _report_options, _run),
        ("reports", _reports_arguments, _reports),
        ("serve", _serve_arguments, _serve),
        ("templates", _templates_arguments, _templates),
        ("handouts", _handouts_arguments, _handouts),
        ("material", _material_arguments, _material),
        ("national", _national_arguments, _national),
        ("requirements", _requirements_arguments, _requirements),
        ("demo", _demo_arguments, _demo),
    ]
    for name, add_arguments, func in commands:
        command = sub.add_parser(
            name,
            parents=[common],
            help=t(f"cli.help.{name}", lang),
            description=t(f"cli.help.{name}", lang),
            epilog=t("cli.help.exit_status", lang),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_arguments(command, lang)
        command.set_defaults(func=func)
    return parser


def _check_arguments(check: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit check PATH [--extract-date]``."""
    check.add_argument("path", type=Path, help=t("cli.help.path", lang))
    check.add_argument("--extract-date", default=None, help=t("cli.help.extract_date", lang))


def _reports_arguments(reports: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit reports``: the report options, the notebook and the report language."""
    _report_options(reports, lang)
    reports.add_argument(
        "--notebook",
        choices=batch.NOTEBOOKS,
        default="unit_report",
        help=t("cli.help.notebook", lang),
    )
    reports.add_argument(
        "--report-lang",
        dest="lang_override",
        choices=LANGUAGES,
        default=None,
        help=t("cli.help.report_lang", lang),
    )
    reports.add_argument(
        "--who-by",
        type=_one_of(WHO_BY, lang),
        choices=WHO_BY,
        default=DEFAULT_GROUPING,
        help=t("cli.help.who_by", lang),
    )
    reports.add_argument(
        "--measure",
        type=_one_of(REGION_MEASURES, lang),
        choices=REGION_MEASURES,
        default=DEFAULT_MEASURE,
        help=t("cli.help.measure", lang),
    )


def _one_of(choices: Sequence[str], lang: str) -> Callable[[str], str]:
    """An argparse ``type`` refusing a value not in ``choices`` in ``lang`` (argparse's is English).

    argparse names the option before the message: ``argument --who-by: 'colour' …``.
    """

    def check(value: str) -> str:
        if value not in choices:
            allowed = ", ".join(choices)
            raise argparse.ArgumentTypeError(t("cli.choice", lang, value=value, allowed=allowed))
        return value

    return check


def _serve_arguments(serve: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit serve``: port, workshop, pages, allowed hosts, room mode, address."""
    _serve_options(serve, lang)
    serve.add_argument(
        "--workshop", default=None, metavar="WORKBOOK", help=t("cli.help.workshop", lang)
    )
    serve.add_argument("--pages", type=int, default=None, help=t("cli.help.pages", lang))
    serve.add_argument(
        "--allow-host",
        action="append",
        default=None,
        metavar="NAME",
        help=t("cli.help.allow_host", lang),
    )
    serve.add_argument("--room", action="store_true", help=t("cli.help.room", lang))
    serve.add_argument("--ip", default=None, metavar="ADDRESS", help=t("cli.help.ip", lang))


def _templates_arguments(templates: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit templates [--out]``."""
    templates.add_argument(
        "--out", type=Path, default=Path("templates"), help=t("cli.help.templates_out", lang)
    )


def _handouts_arguments(handouts: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit handouts [--out] [--html-only] [--browser]``."""
    handouts.add_argument(
        "--out", type=Path, default=Path("handouts"), help=t("cli.help.handouts_out", lang)
    )
    handouts.add_argument("--html-only", action="store_true", help=t("cli.help.html_only", lang))
    handouts.add_argument(
        "--browser", default=None, metavar="PATH", help=t("cli.help.browser", lang)
    )


def _material_arguments(material: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit material [SOURCE]``: meeting material for a unit or a manifest."""
    material.add_argument(
        "source", type=Path, nargs="?", default=None, help=t("cli.help.material_source", lang)
    )
    material.add_argument(
        "--out", type=Path, default=Path("output/material"), help=t("cli.help.material_out", lang)
    )
    material.add_argument("--unit-name", default="", help=t("cli.help.unit_name", lang))
    material.add_argument("--extract-date", default=None, help=t("cli.help.extract_date", lang))
    material.add_argument("--share", action="store_true", help=t("cli.help.share", lang))
    material.add_argument("--threshold", type=int, default=5, help=t("cli.help.threshold", lang))
    material.add_argument(
        "--data-root", type=Path, action="append", default=[], help=t("cli.help.data_root", lang)
    )


def _national_arguments(nat: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit national PATH [--out] [--months] [--unit NAME] [--share] [--threshold]``."""
    nat.add_argument("path", type=Path, help=t("national.cli.path", lang))
    nat.add_argument(
        "--out", type=Path, default=Path("output/national.html"), help=t("national.cli.out", lang)
    )
    nat.add_argument("--months", type=int, default=12, help=t("national.cli.months", lang))
    nat.add_argument("--unit", default=None, help=t("national_monthly.cli.unit", lang))
    nat.add_argument("--share", action="store_true", help=t("cli.help.share", lang))
    nat.add_argument("--threshold", type=int, default=5, help=t("cli.help.threshold", lang))


def _requirements_arguments(req: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit requirements PATH --queue --first-per-week [--all-to-first] [--out]``."""
    req.add_argument("path", type=Path, help=t("admin.cli.path", lang))
    req.add_argument("--queue", type=float, required=True, help=t("admin.cli.queue", lang))
    req.add_argument("--first-per-week", type=float, required=True, help=t("admin.cli.first", lang))
    req.add_argument("--all-to-first", action="store_true", help=t("admin.cli.all_to_first", lang))
    req.add_argument(
        "--out",
        type=Path,
        default=Path("output/dokumentationskrav.html"),
        help=t("admin.cli.out", lang),
    )


def _demo_arguments(demo: argparse.ArgumentParser, lang: str) -> None:
    """``bup-toolkit demo [--port] [--out]``."""
    _serve_options(demo, lang)
    demo.add_argument(
        "--out", type=Path, default=Path("output/reports"), help=t("cli.help.out", lang)
    )


def _language(argv: Sequence[str]) -> str:
    """The ``--lang`` given anywhere on the command line (for the help texts), else sv."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", choices=LANGUAGES, default="sv")
    known, _ = pre.parse_known_args(argv)
    return str(known.lang)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m toolkit`` and the ``bup-toolkit`` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        lang = _language(argv)
    except SystemExit as stop:  # --lang with a language not offered: argparse said so
        return int(stop.code or 2)
    args = _parser(lang).parse_args(argv)
    try:
        if args.command in ("run", "reports", "serve", "demo"):
            folder("notebooks", lang=args.lang)  # a broken install says so, and how to fix it
        if args.command in ("run", "reports"):
            _sample_manifest(args)
        return int(args.func(args))
    except ParameterError as err:
        print(t("cli.error", args.lang, message=err.message(args.lang)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
