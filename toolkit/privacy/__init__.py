"""Keep people out of what the toolkit reads, computes and shares.

Three jobs, all pure (tables and texts in, tables and texts out, no I/O):

* **Find identity numbers.** One scanner for Swedish personal identity
  numbers (personnummer), coordination numbers (samordningsnummer) and the
  reserve and interim numbers regions use, in every written form (see
  :func:`find_in_text`): :func:`identity_number_mask` and
  :func:`find_identity_numbers` for the cells of a table, whatever their
  dtype; :func:`find_in_text`, :func:`has_identity_number` and
  :func:`redact_text` for one text (a name, a header, free text).
  :func:`check_no_identity_numbers` and :func:`check_text` turn a find into
  a :class:`~toolkit.errors.DataError` that says *where* (file, sheet,
  column, rows, field), never *what*. docs/privacy.md lists the forms and
  the places the toolkit screens.
* **Pseudonymise.** :func:`pseudonymise` replaces the values of chosen
  columns by a keyed hash (HMAC-SHA256), the same for the same key and value
  and for every written form of one number, so tables can still be joined
  on the pseudonym; :func:`check_key` refuses weak keys.
* **Suppress small counts.** :func:`suppress_small_counts` hides counts below
  a threshold (default 5, so 1–4 are hidden) in tables meant for sharing, with
  an optional secondary suppression against a row total;
  :func:`is_shareable` checks a table.

The package's modules: :mod:`~toolkit.privacy.detect` (finding identity
numbers in tables and texts, refusing or redacting them), with the private
:mod:`~toolkit.privacy._numbers` (the numeric core: parts, dates, check
digits), :mod:`~toolkit.privacy._cells` (from cells of any dtype to candidate
numbers) and :mod:`~toolkit.privacy._text` (every written form in free text);
:mod:`~toolkit.privacy.pseudonyms` (:func:`check_key`, :func:`pseudonymise`,
:func:`normalise_identity_numbers`) and :mod:`~toolkit.privacy.counts`
(:func:`suppress_small_counts`, :func:`is_shareable`). Everything is imported
from ``toolkit.privacy``.

Examples
--------
>>> import pandas as pd
>>> from toolkit.privacy import find_identity_numbers, pseudonymise
>>> table = pd.DataFrame({"id": ["R000001", "R000002"],
...                       "pnr": ["811218-9876", "not given"]})
>>> find_identity_numbers(table)
{'pnr': array([0])}
>>> key = "a long secret key, kept apart"
>>> out = pseudonymise(table, ["pnr"], key)
>>> out["pnr"].str.startswith("p_").all(), "9876" in out["pnr"].iloc[0]
(np.True_, False)
"""

from __future__ import annotations

# the names of the former single module; those marked noqa are importable, not in __all__
from toolkit.privacy._numbers import (
    COORDINATION_DAY_OFFSET,  # noqa: F401
    _valid_numbers,  # noqa: F401
    _valid_one,  # noqa: F401
)
from toolkit.privacy.counts import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    is_shareable,
    suppress_small_counts,
)
from toolkit.privacy.detect import (
    check_no_identity_numbers,
    check_text,
    find_identity_numbers,
    find_in_text,
    has_identity_number,
    identity_number_mask,
    redact_text,
)
from toolkit.privacy.pseudonyms import (
    MIN_KEY_DISTINCT,
    MIN_KEY_LENGTH,
    PSEUDONYM_HEX_DIGITS,  # noqa: F401
    PSEUDONYM_PREFIX,
    _Hmac,  # noqa: F401
    check_key,
    normalise_identity_numbers,
    pseudonymise,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_KEY_DISTINCT",
    "MIN_KEY_LENGTH",
    "MIN_THRESHOLD",
    "PSEUDONYM_PREFIX",
    "check_key",
    "check_no_identity_numbers",
    "check_text",
    "find_identity_numbers",
    "find_in_text",
    "has_identity_number",
    "identity_number_mask",
    "is_shareable",
    "normalise_identity_numbers",
    "pseudonymise",
    "redact_text",
    "suppress_small_counts",
]
