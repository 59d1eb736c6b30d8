"""Where the toolkit supports each PKS element: links for the self-assessment's low scores.

The PKS self-assessment (:mod:`toolkit.selfassess`, ``pks_v1.yaml``) scores
the five elements of production and capacity planning per management level.
:func:`links_for_scores` takes its group scores and, for each element scored
below a threshold, names the parts of the toolkit that support that element:
workbooks, functions and documents, with one sentence each in Swedish or
English. Pure: tables in, a table out.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"group": ["capacity_need", "follow_up"],
...                        "respondent": ["tactical", "tactical"], "mean": [2.0, 4.5]})
>>> links = links_for_scores(scores, lang="en")
>>> sorted(set(links["group"])), links["target"].iloc[0]
(['capacity_need'], 'notebooks/workbooks/produktionsplan.ipynb')
"""

from __future__ import annotations

import pandas as pd

from toolkit.i18n import check_language, t

__all__ = ["DEFAULT_THRESHOLD", "PKS_TOOLS", "links_for_scores"]

#: Mean scores below this (on the 1–5 scale: "partly in place" is 3) get links.
DEFAULT_THRESHOLD = 3.0

#: Per PKS element (the questionnaire's group ids), the toolkit parts that support it:
#: (kind, target, text key). Kinds: ``workbook``, ``report`` (a report notebook run per
#: unit), ``function``, ``doc``.
PKS_TOOLS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "capacity_need": (
        ("workbook", "notebooks/workbooks/produktionsplan.ipynb", "pks_links.forecast_workbook"),
        ("function", "toolkit.forecast.forecast_referrals", "pks_links.forecast_function"),
        ("doc", "docs/forecast.md", "pks_links.forecast_doc"),
    ),
    "available_capacity": (
        (
            "workbook",
            "notebooks/workbooks/behov_och_kapacitet.ipynb",
            "pks_links.capacity_workbook",
        ),
        (
            "workbook",
            "notebooks/workbooks/vart_tar_tiden_vagen.ipynb",
            "pks_links.timeuse_workbook",
        ),
        ("doc", "docs/capacity.md", "pks_links.capacity_doc"),
    ),
    "decisions_balance": (
        ("workbook", "notebooks/workbooks/behov_och_kapacitet.ipynb", "pks_links.balance_workbook"),
        (
            "workbook",
            "notebooks/workbooks/prioriteringsregler.ipynb",
            "pks_links.priority_workbook",
        ),
        ("workbook", "notebooks/workbooks/produktionsplan.ipynb", "pks_links.decisions_plan"),
        ("doc", "docs/balance.md", "pks_links.balance_doc"),
    ),
    "production_plans": (
        ("workbook", "notebooks/workbooks/produktionsplan.ipynb", "pks_links.plan_workbook"),
        ("function", "toolkit.plan_export.write_plan_workbook", "pks_links.plan_excel"),
        ("doc", "docs/production_plan.md", "pks_links.plan_doc"),
    ),
    "follow_up": (
        ("workbook", "notebooks/workbooks/produktionsplan.ipynb", "pks_links.followup_plan"),
        ("report", "notebooks/reports/unit_report.ipynb", "pks_links.followup_report"),
        ("workbook", "notebooks/workbooks/styrdiagram.ipynb", "pks_links.spc_workbook"),
        ("workbook", "notebooks/workbooks/pdsa_logg.ipynb", "pks_links.pdsa_workbook"),
    ),
}


def links_for_scores(
    scores: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    lang: str | None = None,
) -> pd.DataFrame:
    """The toolkit parts that support each element scored below ``threshold``.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`toolkit.selfassess.group_scores` (``group``, ``respondent``,
        ``mean``). Groups that are not PKS elements are ignored; unscored
        groups (``mean`` NaN) get no links.
    threshold : float, default 3
        Scores below this get links (3 = "partly in place").
    lang : {"sv", "en"}, optional

    Returns
    -------
    pandas.DataFrame
        One row per low element (the lowest respondent's mean) and tool:
        group, lowest_mean, respondents (the levels scoring below the
        threshold, comma-separated), kind, target, text. Sorted by the
        lowest mean, then the order of :data:`PKS_TOOLS`.
    """
    lang = check_language(lang)
    columns = ["group", "lowest_mean", "respondents", "kind", "target", "text"]
    low = scores[(scores["mean"] < threshold) & scores["group"].isin(list(PKS_TOOLS))]
    rows = []
    for group, part in low.groupby("group", sort=False):
        for kind, target, key in PKS_TOOLS[str(group)]:
            rows.append(
                {
                    "group": str(group),
                    "lowest_mean": float(part["mean"].min()),
                    "respondents": ", ".join(str(r) for r in part["respondent"]),
                    "kind": kind,
                    "target": target,
                    "text": t(key, lang),
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("lowest_mean", kind="stable", ignore_index=True)
