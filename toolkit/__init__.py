"""BUP toolkit: capacity, flow and improvement tools for child and adolescent psychiatry.

One tested calculation core behind per-unit reports, workshop workbooks and
lessons, in Swedish and English. See the README for the layout.
"""

from typing import Any

from toolkit.errors import DataError, ParameterError

__all__ = ["DataError", "ParameterError", "__version__"]


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed metadata when first asked for.

    Looking it up costs ``importlib.metadata`` (about 20 ms), which a kernel
    that never asks for the version does not pay.
    """
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("bup-toolkit")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
