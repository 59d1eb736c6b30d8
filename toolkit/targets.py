"""Waiting-time target profiles, read from versioned files in ``toolkit/data/profiles``.

Targets differ between regions and change over time, so they are data, not
constants: a profile names, per stage of the pathway, the dates the wait runs
between, the target in days and the share that should be within it.

Examples
--------
>>> profile = load_profile("bup_30_30")
>>> profile.stages["first_assessment"].target_days
30
>>> profile.with_overrides(first_assessment={"target_days": 21}).stages["first_assessment"].target_days
21
>>> sorted(available_profiles())
['bup_30_30', 'general_0_3_90_90']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from toolkit import _checks as checks
from toolkit import _yaml
from toolkit.errors import DataError, ParameterError
from toolkit.schema import DATE_ORDER

STAGES: tuple[str, ...] = ("first_assessment", "deep_start")


@dataclass(frozen=True)
class StageTarget:
    """The target for one stage: wait from ``start_column`` to ``end_column``."""

    stage: str
    start_column: str
    end_column: str
    target_days: int
    share_within: float


@dataclass(frozen=True)
class TargetProfile:
    """A named, versioned set of stage targets."""

    id: str
    version: int
    name_sv: str
    name_en: str
    stages: dict[str, StageTarget]

    def name(self, lang: str) -> str:
        """The profile's name in ``lang``."""
        return self.name_sv if lang == "sv" else self.name_en

    def with_overrides(self, **stages: dict[str, Any]) -> TargetProfile:
        """A copy with some stages' ``target_days`` or ``share_within`` replaced."""
        new = dict(self.stages)
        for stage, changes in stages.items():
            if stage not in new:
                raise checks.choice_error("stage", stage, new)
            target = replace(new[stage], **changes)
            _check_stage(target, self.id)
            new[stage] = target
        return replace(self, stages=new)


def _check_stage(target: StageTarget, source: str) -> None:
    if not (isinstance(target.target_days, int) and target.target_days > 0):
        raise checks.range_error(
            f"{target.stage}.target_days",
            target.target_days,
            {"sv": "1, 2, 3 … (dagar)", "en": "1, 2, 3 … (days)"},
        )
    if not 0 < float(target.share_within) < 1:
        raise checks.range_error(
            f"{target.stage}.share_within",
            target.share_within,
            {
                "sv": "mellan 0 och 1 (gränserna ej med)",
                "en": "between 0 and 1 (exclusive)",
            },
        )


def available_profiles() -> list[str]:
    """Names of the profiles shipped with the package."""
    folder = resources.files("toolkit") / "data" / "profiles"
    return [p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")]


@cache
def _read(name: str) -> str:
    if name.endswith(".yaml"):
        return Path(name).read_text(encoding="utf-8")
    folder = resources.files("toolkit") / "data" / "profiles"
    entry = folder / f"{name}.yaml"
    if not entry.is_file():
        raise checks.choice_error("target_profile", name, sorted(available_profiles()))
    return entry.read_text(encoding="utf-8")


def load_profile(name: str = "bup_30_30") -> TargetProfile:
    """Load a shipped profile by name, or a region's own profile file by path."""
    raw = _yaml.safe_load(_read(name))
    order = DATE_ORDER["referrals"]
    stages = {}
    try:
        for stage in STAGES:
            item = raw["stages"][stage]
            target = StageTarget(
                stage=stage,
                start_column=str(item["from"]),
                end_column=str(item["to"]),
                target_days=int(item["target_days"]),
                share_within=float(item["share_within"]),
            )
            if target.start_column not in order or target.end_column not in order:
                raise KeyError(stage)
            _check_stage(target, name)
            stages[stage] = target
        return TargetProfile(
            id=str(raw["id"]),
            version=int(raw["version"]),
            name_sv=str(raw["name_sv"]),
            name_en=str(raw["name_en"]),
            stages=stages,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise DataError("targets.bad_profile", file=name, lang=None) from exc
