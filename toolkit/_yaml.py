"""Package data in YAML, read with libyaml's C parser when PyYAML has it.

The text catalogues alone are about 270 kB; PyYAML's pure-Python parser takes
about 0.5 s for them, the C parser about 0.03 s, and every report and workbook
kernel pays that on its first message. Both parsers give the same Python
objects for safe YAML.

>>> safe_load("a: [1, 2]")
{'a': [1, 2]}
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Parse ``text`` as safe YAML (C parser when available)."""
    return yaml.load(text, Loader=_Loader)
