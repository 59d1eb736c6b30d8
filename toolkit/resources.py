"""Where the toolkit's bundled folders are: notebooks and sample units.

The repository keeps its user-facing folders at the top (``notebooks/``,
``sample_data/``), where the README, Binder's links
(``voila/render/notebooks/workbooks/NAME.ipynb``) and the tests name them.
A built wheel carries copies of them inside the package, as
``toolkit/bundled/notebooks`` and ``toolkit/bundled/sample_data`` (mapped in
``pyproject.toml`` under ``[tool.setuptools] package-dir``), so an installed
``bup-toolkit`` finds them with no checkout. The rest of the package data
(text catalogues, the Voilà template, profiles) lives in ``toolkit/data``
in both cases.

:func:`folder` is the one place that decides: the bundled copy when the
package is installed from a wheel, else the repository's folder (a source
checkout or an editable install). No symbolic links (a Windows clone has
none).

>>> folder("notebooks").joinpath("workbooks").is_dir()
True
>>> folder("sample_data").joinpath("units.yaml").is_file()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from toolkit.errors import ParameterError

__all__ = ["FOLDERS", "data_folder", "folder", "locate"]

#: The repository folders a wheel bundles, by name.
FOLDERS: tuple[str, ...] = ("notebooks", "sample_data")

_PACKAGE = Path(str(resources.files("toolkit")))


def _candidates(name: str) -> tuple[Path, Path]:
    if name not in FOLDERS:
        raise ValueError(f"name: {name!r} is not one of {', '.join(FOLDERS)}")
    return _PACKAGE / "bundled" / name, _PACKAGE.parent / name


def locate(name: str) -> Path:
    """The folder ``name`` (one of :data:`FOLDERS`), without checking that it exists.

    The bundled copy when there is one, else the repository's folder when the
    package sits in a checkout (``pyproject.toml`` beside it), else the
    bundled path (missing: :func:`folder` says so). For module constants,
    which must not fail at import.
    """
    bundled, repository = _candidates(name)
    if bundled.is_dir():
        return bundled
    if repository.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return repository
    return bundled


def folder(name: str, *, lang: str | None = None) -> Path:
    """The folder ``name`` (one of :data:`FOLDERS`): bundled in the wheel, or the repository's.

    Raises :class:`~toolkit.errors.ParameterError` naming the folders looked
    in when neither exists (a broken install), with how to fix it.
    """
    path = locate(name)
    if not path.is_dir():
        looked = ", ".join(str(p) for p in _candidates(name))
        raise ParameterError("common.install_missing", folder=name, looked=looked, lang=lang)
    return path


def data_folder() -> Path:
    """The package's own data folder (``toolkit/data``): text, the Voilà template, profiles."""
    return _PACKAGE / "data"
