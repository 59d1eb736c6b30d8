"""An installed ``bup-toolkit`` works with no checkout: the wheel carries what the commands need.

The fast tests check the package list in ``pyproject.toml`` against the
folders of ``toolkit/`` (a sub-package missing from the list would be missing
from the wheel), the helper that finds the bundled folders, and the command
line's conventions (``--version``, ``--lang`` before or after the
sub-command, the exit statuses in ``--help``).

The slow tests build the wheel from a copy of the repository's files (tracked
and new, not ignored: no stale ``build/`` folder can slip in), install it
without ``--editable`` into a fresh virtual environment made by ``python -m
venv`` and run each command from an empty temporary folder, with no
``PYTHONPATH``. This machine has no network during the tests, so the fresh
environment gets its *dependencies* from the project's own environment
through a ``.pth`` file naming that environment's ``site-packages`` (a plain
path line: that folder's own ``.pth`` files, such as the editable install of
the checkout, are not run), and ``pip install --no-deps`` installs the
package itself; the dependencies' data files (nbconvert's and Voilà's
templates, which pip puts in an environment's ``share/jupyter``) are found
through ``JUPYTER_PATH`` naming the project environment's. The test asserts
that ``toolkit`` is imported from the fresh environment and that ``pip
check`` finds every declared dependency.
A second fresh environment follows the README's route without ``make``
(``python -m venv``, ``pip install .``, ``bup-toolkit demo``), with the same
substitution for the download of dependencies (and of pip and setuptools:
the environment is made ``--without-pip`` and ``python -m pip`` is the
project environment's pip).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from toolkit.__main__ import main
from toolkit.i18n import t

ROOT = Path(__file__).resolve().parent.parent
BIN = "Scripts" if os.name == "nt" else "bin"


# --------------------------------------------------------------------------- fast


def test_every_package_of_toolkit_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "toolkit").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"
    bundled = config["tool"]["setuptools"]["package-dir"]
    assert bundled == {
        "toolkit.bundled.notebooks": "notebooks",
        "toolkit.bundled.sample_data": "sample_data",
    }


def test_bundled_folders_found_in_a_checkout_and_a_broken_install_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolkit import resources
    from toolkit.errors import ParameterError

    assert resources.folder("notebooks") == ROOT / "notebooks"
    assert resources.folder("sample_data") == ROOT / "sample_data"
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "toolkit")  # an install without them
    for lang, words in (("sv", "Installera om"), ("en", "Reinstall with")):
        with pytest.raises(ParameterError) as err:
            resources.folder("notebooks", lang=lang)
        assert words in err.value.message(lang)
        assert "pip install --force-reinstall bup-toolkit" in err.value.message(lang)


def test_a_broken_install_gets_a_message_and_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from toolkit import resources
    from toolkit.errors import ParameterError

    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "toolkit")
    with pytest.raises(ParameterError) as err:
        resources.folder("notebooks", lang="en")
    for argv in (["reports", "units.yaml"], ["serve"], ["run"], ["demo"]):
        assert main([*argv, "--lang", "en"]) == 2
        assert capsys.readouterr().err.strip() == t(
            "cli.error", "en", message=err.value.message("en")
        )


def test_version_and_language_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from toolkit import __version__

    for argv in (["--version"], ["templates", "--version"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 0
        assert capsys.readouterr().out.strip() == f"bup-toolkit {__version__}"
    # --lang after the sub-command, and before it: the same English message
    for argv in (
        ["templates", "--out", str(tmp_path / "a"), "--lang", "en"],
        ["--lang", "en", "templates", "--out", str(tmp_path / "b")],
    ):
        assert main(argv) == 0
        folder = argv[argv.index("--out") + 1]
        written = capsys.readouterr().out.strip()
        assert written == t("templates.written", "en", n=written.split()[1], folder=folder)
    # a wrong argument: status 2 and the message in the language asked for
    assert main(["serve", "--ip", "10.0.0.1", "--lang", "en"]) == 2
    assert t("widgets.ip_without_room", "en") in capsys.readouterr().err


def test_help_documents_the_exit_statuses_in_both_languages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for lang in ("sv", "en"):
        with pytest.raises(SystemExit):
            main(["run", "--help", "--lang", lang])
        out = capsys.readouterr().out
        assert t("cli.help.exit_status", lang).splitlines()[0] in out
        assert t("cli.help.manifest", lang)[:20] in " ".join(out.split())


# --------------------------------------------------------------------------- slow


def _copy_of_repository(target: Path) -> Path:
    """The repository's files (tracked and new, not ignored) copied to ``target``."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            destination = target / os.fsdecode(name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
    return target


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # the dependencies' data files (nbconvert's and Voilà's templates), which pip
    # would have put in the fresh environment's share/jupyter, are in this one's
    env["JUPYTER_PATH"] = str(Path(sys.prefix, "share", "jupyter"))
    env["PIP_NO_INDEX"] = "1"  # nothing from the network: the dependencies come through deps.pth
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _fresh_venv(folder: Path) -> Path:
    """``python -m venv`` (the base interpreter, not this environment), deps through a .pth."""
    base = getattr(sys, "_base_executable", sys.executable)
    # --without-pip: pip and setuptools come with the dependencies (the ones
    # ensurepip bundles with Python 3.11 are too old for this pyproject.toml,
    # and a newer one cannot be downloaded here)
    subprocess.run(
        [base, "-m", "venv", "--without-pip", str(folder)], check=True, env=_environment()
    )
    python = folder / BIN / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def _run(command: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=timeout
    )


def _serve_and_open(command: list[str], cwd: Path, path: str, wait_s: float = 900) -> str:
    """Start ``command``, wait for the printed address, open ``path`` with its token; stop it."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + wait_s
        url = None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/\S*\?token=([\w-]+)", line)
            if found:
                url = f"http://127.0.0.1:{found.group(1)}/{path}?token={found.group(2)}"
        assert url is not None, "".join(lines)
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=300) as response:
                    assert response.status == 200
                    return "".join(lines) + response.read().decode("utf-8", "replace")
            except OSError:
                time.sleep(1)
        raise AssertionError("".join(lines))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh environment with the built wheel installed, and an empty folder to run in."""
    base = tmp_path_factory.mktemp("wheel")
    source = _copy_of_repository(base / "source")
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(base / "dist"),
            str(source),
        ],
        cwd=base,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("bup_toolkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "toolkit/bundled/notebooks/workbooks/styrdiagram.ipynb",
        "toolkit/bundled/notebooks/reports/unit_report.ipynb",
        "toolkit/bundled/notebooks/lessons/01_flode_och_littles_lag.ipynb",
        "toolkit/bundled/sample_data/units.yaml",
        "toolkit/bundled/sample_data/liten/visits.csv",
        "toolkit/data/voila/templates/bup/index.html.j2",
        "toolkit/data/text/cli.yaml",
        "toolkit/py.typed",
    ):
        assert needed in names, needed
    python = _fresh_venv(base / "venv")
    done = _run([str(python), "-m", "pip", "install", "--no-deps", str(wheel)], cwd=base)
    assert done.returncode == 0, done.stderr
    work = base / "elsewhere"
    work.mkdir()
    where = _run([str(python), "-c", "import toolkit; print(toolkit.__file__)"], cwd=work)
    assert where.stdout.startswith(str(base / "venv")), where.stdout
    check = _run([str(python), "-m", "pip", "check"], cwd=work)
    assert "bup-toolkit" not in check.stdout, check.stdout  # every declared dependency is there
    return python.parent, work


@pytest.mark.slow
def test_installed_wheel_writes_templates_and_reports(installed: tuple[Path, Path]) -> None:
    bindir, work = installed
    cli = str(bindir / "bup-toolkit")
    version = _run([cli, "--version"], cwd=work)
    assert version.stdout.strip() == "bup-toolkit 0.1.0"
    done = _run([cli, "templates", "--out", "mallar"], cwd=work)
    assert done.returncode == 0, done.stderr
    assert (work / "mallar" / "enhetsdata_mall.xlsx").is_file()
    assert (work / "mallar" / "csv_en" / "referrals.csv").is_file()
    # one bundled sample unit through the report notebook found in the package
    sample = Path(
        _run(
            [
                str(bindir / "python"),
                "-c",
                "from toolkit.resources import folder; print(folder('sample_data'))",
            ],
            cwd=work,
        ).stdout.strip()
    )
    assert sample.is_relative_to(bindir.parent)
    (work / "units.yaml").write_text(
        f"units:\n- id: liten\n  name: Liten\n  path: {sample / 'liten'}\n", encoding="utf-8"
    )
    # the data lie outside the manifest's folder: name their folder (share mode's rule)
    done = _run(
        [
            cli,
            "reports",
            "units.yaml",
            "--out",
            "rapporter",
            "--lang",
            "en",
            "--data-root",
            str(sample),
        ],
        cwd=work,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 unit, 0 failed" in done.stdout
    assert (work / "rapporter" / "index.html").is_file()
    assert "without encryption" not in done.stdout + done.stderr
    # the report of the unit was written (its place in the folder is batch's business)
    assert any(p.name.startswith("liten") for p in (work / "rapporter").rglob("*.html"))


@pytest.mark.slow
def test_installed_wheel_serves_a_workbook(installed: tuple[Path, Path]) -> None:
    bindir, work = installed
    from tests.conftest import free_port

    out = _serve_and_open(
        [str(bindir / "bup-toolkit"), "serve", "--port", str(free_port())],
        cwd=work,
        path="voila/render/styrdiagram.ipynb",
    )
    assert "tk-app" in out  # the workbook ran in a kernel of the fresh environment
    assert "Traceback" not in out
    assert "without encryption" not in out
    assert "is not trusted" not in out


@pytest.mark.slow
def test_readme_route_without_make(tmp_path: Path) -> None:
    """README: ``python -m venv .venv``, ``pip install .``, ``bup-toolkit demo`` (run, then serve)."""
    from tests.conftest import free_port

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    steps = re.search(r"On macOS and Linux:\n\n```sh\n(.*?)```", readme, flags=re.S)
    assert steps is not None
    assert steps.group(1).splitlines() == [
        "python3 -m venv .venv",
        ".venv/bin/pip install .",
        ".venv/bin/bup-toolkit demo",
    ]
    # the same steps; `python -m pip`, with --no-deps and no build isolation (no
    # network here: pip, setuptools and the dependencies come through deps.pth)
    source = _copy_of_repository(tmp_path / "bup-toolkit")
    python = _fresh_venv(source / ".venv")
    done = _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "."],
        cwd=source,
    )
    assert done.returncode == 0, done.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = _serve_and_open(
        [str(python.parent / "bup-toolkit"), "demo", "--port", str(free_port()), "--lang", "en"],
        cwd=work,
        path="",
    )
    assert "Done: 7 units read, 0 with errors." in out
    assert (work / "output" / "reports" / "index.html").is_file()
    assert "without encryption" not in out
