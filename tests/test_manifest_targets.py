"""The manifest of units and the waiting-time target profiles."""

from __future__ import annotations

import pytest

from toolkit.errors import DataError, ParameterError
from toolkit.manifest import read_manifest
from toolkit.targets import load_profile


def write(tmp_path, text):
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_paths_are_relative_to_the_manifest(tmp_path):
    path = write(tmp_path, "units:\n  - {id: a, name: A, path: data/a, extract_date: 2024-06-30}\n")
    (unit,) = read_manifest(path)
    assert unit.path == (tmp_path / "data" / "a").resolve()
    assert unit.language == "sv" and unit.target_profile == "bup_30_30"
    assert str(unit.extract_date) == "2024-06-30"


@pytest.mark.parametrize(
    ("text", "sv", "en"),
    [
        ("units:\n  - {id: a, name: A}\n", "saknar fältet path", "has no field path"),
        (
            "units:\n  - {id: a, name: A, path: x}\n  - {id: a, name: B, path: y}\n",
            "används redan",
            "already used",
        ),
        (
            "units:\n  - {id: a, name: A, path: x, language: fi}\n",
            "ogiltigt värde i fältet language",
            "invalid value in the field language",
        ),
        (
            "units:\n  - {id: a, name: A, path: x, extract_date: 31/12}\n",
            "fältet extract_date",
            "the field extract_date",
        ),
        ("units: [\n", "ingen giltig YAML", "not a valid YAML"),
        ("units: []\n", "ingen enhet", "no unit"),
    ],
)
def test_manifest_errors_name_the_field_in_both_languages(tmp_path, text, sv, en):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_manifest(path)
    assert sv in info.value.message("sv") and "units.yaml" in info.value.message("sv")
    assert en in info.value.message("en")


def test_profiles_hold_the_targets_domain_md_states():
    # docs/domain.md: reinforced target 30 + 30 days; general guarantee 90 days for both.
    bup = load_profile("bup_30_30")
    assert bup.stages["first_assessment"].target_days == 30
    assert bup.stages["deep_start"].target_days == 30
    assert bup.stages["deep_start"].start_column == "deep_decision"
    general = load_profile("general_0_3_90_90")
    assert general.stages["first_assessment"].target_days == 90
    assert general.stages["deep_start"].target_days == 90


def test_profile_overrides_are_checked():
    bup = load_profile()
    with pytest.raises(ParameterError, match="share_within"):
        bup.with_overrides(deep_start={"share_within": 1.2})
    with pytest.raises(ParameterError, match="target_days"):
        bup.with_overrides(first_assessment={"target_days": 0})
    with pytest.raises(ParameterError, match="target_profile"):
        load_profile("no_such_profile")
