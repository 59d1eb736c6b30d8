"""The README's promises: its examples run, its two commands exist, its tree is true."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README has no Python example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {number}", "README.md", 0)
        runner.run(test)
    assert runner.failures == 0


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one():
    commands = re.findall(r"^make (\w+)", README, flags=re.M)
    assert commands == ["run", "test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in commands:
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_path_in_the_tree_exists():
    tree = re.search(r"## Repository\n\n```\n(.*?)```", README, flags=re.S).group(1)
    parents: list[str] = []
    missing = []
    for line in tree.splitlines():
        name = line.split()[0]
        depth = (len(line) - len(line.lstrip())) // 2
        parents = parents[:depth]
        if name.endswith("/") and " " not in name:
            parents.append(name)
        path = ROOT.joinpath(*parents[:depth], name) if depth else ROOT / name
        if not path.exists():
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, missing


def test_binder_badges_open_this_repository_at_paths_that_exist():
    # The repository is the one pyproject.toml names; each badge's urlpath is a
    # Voilà or JupyterLab route to a folder or file of this repository.
    import tomllib
    from urllib.parse import unquote

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    repo = project["urls"]["Repository"].removeprefix("https://github.com/")
    links = re.findall(r"\]\((https://mybinder\.org/v2/gh/[^)]+)\)", README)
    routes = {}
    for link in links:
        assert link.startswith(f"https://mybinder.org/v2/gh/{repo}/main?urlpath="), link
        route = unquote(link.split("?urlpath=", 1)[1])
        app, _, path = route.partition("/tree/")
        routes[app] = path
        assert (ROOT / path).exists(), route
    assert routes == {"voila": "notebooks/workbooks", "lab": "README.md"}


def test_every_workbook_is_in_the_readme_table_and_nothing_else():
    listed = set(re.findall(r"^\| `(\w+\.ipynb)` \|", README, flags=re.M))
    present = {p.name for p in (ROOT / "notebooks" / "workbooks").glob("*.ipynb")}
    assert listed == present
