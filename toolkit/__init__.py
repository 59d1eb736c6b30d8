"""BUP toolkit: capacity, flow and improvement tools for child and adolescent psychiatry.

One tested calculation core behind per-unit reports, workshop workbooks and
lessons, in Swedish and English. See the README for the layout.
"""

from importlib.metadata import PackageNotFoundError, version

from toolkit.errors import DataError, ParameterError

try:
    __version__ = version("bup-toolkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["DataError", "ParameterError", "__version__"]
