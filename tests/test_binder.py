"""The Binder folder: what repo2docker would build, and the pinned set really serving a workbook.

repo2docker needs Docker to build, which this machine does not have, but
``repo2docker --no-build --debug`` prints the Dockerfile it would build
(docs/architecture.md): the test reads it for the Python version, the pinned
requirements and the postBuild step. The second test does what that
Dockerfile does, in a fresh virtual environment: installs
``binder/requirements.txt``, runs ``binder/postBuild`` in a copy of the
repository, and serves a workbook from there with Voilà, checked in Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def _pins() -> dict[str, str]:
    pins = {}
    for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"binder/requirements.txt: {line!r} is not pinned with =="
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_every_runtime_dependency_is_pinned_within_pyproject_bounds() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _pins()
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is a dependency in pyproject.toml but not pinned for Binder"
        assert requirement.specifier.contains(pins[name]), (
            f"binder pins {name}=={pins[name]}, outside pyproject's {requirement.specifier}"
        )


def test_runtime_and_postbuild() -> None:
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"
    post = (BINDER / "postBuild").read_text(encoding="utf-8").splitlines()
    assert post[0].startswith("#!") and "set -e" in post
    assert os.access(BINDER / "postBuild", os.X_OK), "postBuild must be executable"


@pytest.mark.slow
def test_repo2docker_would_build_from_the_binder_folder() -> None:
    exe = Path(sys.executable).parent / "repo2docker"
    result = subprocess.run(
        [str(exe), "--no-build", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    # runtime.txt is honoured: a Python 3.11 environment, not repo2docker's default 3.10
    assert "python=3.11" in out
    # the pinned requirements from binder/, not anything at the repository root
    assert re.search(r'pip install --no-cache-dir -r "binder/requirements.txt"', out), out[-3000:]
    assert "RUN ./binder/postBuild" in out
    assert not re.search(r"pip install[^\n]*-r \"?requirements.txt", out)
    assert "ENTRYPOINT" in out


def _copy_repository(target: Path) -> None:
    """The files git tracks (what Binder clones), copied from the working tree."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


@pytest.mark.slow
def test_pinned_set_serves_a_workbook_from_a_fresh_environment(
    tmp_path: Path, voila_server: Any, open_workbook: Any
) -> None:
    venv = tmp_path / "venv"
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-r", str(BINDER / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    repo = tmp_path / "repo"
    _copy_repository(repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    post = subprocess.run(
        ["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert post.returncode == 0, post.stdout[-2000:] + post.stderr[-2000:]
    # the toolkit imported by the new environment is the copy, not the project's .venv
    where = subprocess.run(
        [python, "-c", "import toolkit; print(toolkit.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where == str(repo / "toolkit" / "__init__.py")
    # Voilà without JUPYTER_PATH: the offline template must come from postBuild's install
    url = voila_server(repo / "notebooks" / "workbooks", python=python, cwd=repo, env=env)
    book = open_workbook("styrdiagram", ".tk-figures", base=url)
    book.page.wait_for_selector(".tk-app canvas, .tk-app svg.marks")
    book.assert_clean()
