"""How a unit's own ``period_counts`` name their stages: two stages, or three with treatment.

The toolkit's pathway has two stages: the first assessment and the
in-depth stage (``deep_start``: in-depth assessment or treatment). Many
units write the in-depth stage "behandling", so in ``period_counts`` that
word alone means ``deep_start`` (``toolkit/data/schema.yaml``). The
national waiting-time statistics (:mod:`toolkit.national`) report a third
stage, treatment ("behandling"), beside the in-depth assessment
("fördjupad utredning", "utredning"). A unit that writes its own counts in
that shape names both, and reading "behandling" as ``deep_start`` would
make its rows clash with the in-depth rows of the same period.

The rule, per file (:func:`read_treatment`):

- "behandling" is the in-depth stage ``deep_start`` when the file names no
  other in-depth stage (unchanged from before: two-stage files read as
  they always did);
- when the same file also names the in-depth stage by another of its
  labels (fördjupad, fördjupad utredning, utredning, start_fördjupad, …),
  "behandling" is the third stage, ``treatment`` (the stage id of
  :data:`toolkit.national.STAGES`), and a note in the row account says so.

"behandling (tredje steget)" or "treatment" always mean the third stage.
A period with the same stage twice is still a duplicate row
(``duplicate_period``), whichever way "behandling" was read.

Examples
--------
>>> import pandas as pd
>>> notes = []
>>> frame = pd.DataFrame({"stage": ["första bedömning", "utredning", "Behandling"]})
>>> read_treatment(frame, notes)["stage"].tolist()
['första bedömning', 'utredning', 'treatment']
>>> notes[0][0]
'io_stages.note.treatment'
>>> read_treatment(pd.DataFrame({"stage": ["nybesök", "behandling"]}), [])["stage"].tolist()
['nybesök', 'behandling']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from toolkit.schema import TABLES, normalise_name

__all__ = ["AMBIGUOUS_LABEL", "THIRD_STAGE", "read_treatment"]

#: The stage id of treatment, as :mod:`toolkit.national` and the monthly report use it.
THIRD_STAGE = "treatment"
#: The label read as the in-depth stage in a two-stage file and as treatment in a three-stage one.
AMBIGUOUS_LABEL = "behandling"


def read_treatment(
    frame: pd.DataFrame,
    notes: list[tuple[str, dict[str, Any]]],
    table: str = "period_counts",
) -> pd.DataFrame:
    """``frame`` (``period_counts`` as read, headers mapped) with "behandling" read as the file means it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table's text cells under their canonical column names; the
        ``stage`` column is text or categorical text.
    notes : list
        The table's notes (key, fields); a note is added when "behandling"
        is read as the third stage.
    table : str
        The table ``frame`` holds; any other than ``period_counts`` is
        returned unchanged.

    Returns
    -------
    pandas.DataFrame
        ``frame`` unchanged when it has no "behandling" or no other label
        of the in-depth stage; otherwise a copy whose "behandling" cells
        (in any case or spacing) say ``treatment``.
    """
    if table != "period_counts" or "stage" not in frame.columns:
        return frame
    stage = frame["stage"].astype("string")
    labels = pd.unique(stage.dropna())
    lookup = TABLES["period_counts"].columns["stage"].value_lookup
    ambiguous = [v for v in labels if normalise_name(v) == AMBIGUOUS_LABEL]
    deep = sorted(
        {
            str(v).strip()
            for v in labels
            if normalise_name(v) != AMBIGUOUS_LABEL
            and lookup.get(normalise_name(v)) == "deep_start"
        }
    )
    if not ambiguous or not deep:
        return frame
    out = frame.copy()
    out["stage"] = stage.mask(stage.isin(ambiguous), THIRD_STAGE)
    n_rows = int(stage.isin(ambiguous).sum())
    notes.append(("io_stages.note.treatment", {"deep": ", ".join(deep), "n": n_rows}))
    return out
