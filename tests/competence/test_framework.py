"""The competence framework and the goals → targets mapping are data files that must stay usable."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from bot.catalogs import read_catalog
from bot.competence import framework, targets
from bot.competence.framework import FRAMEWORK_DIR, FrameworkError, frameworks, read_framework
from bot.competence.targets import GOALS_PATH, read_goal_map
from bot.i18n import LOCALE_DIR
from bot.readability import lix

DESIGN_AREAS = ("safety", "quality", "drawings", "maintenance", "automation", "energy", "circularity", "climate",
                "lean", "electrification")


def test_the_framework_has_ten_areas_of_three_or_four_concrete_statements():
    current = framework.current()
    assert set(current.area_keys) == set(DESIGN_AREAS)
    assert all(3 <= len(area.statements) <= 4 for area in current.areas)
    statements = current.questions(current.area_keys)
    assert len(statements) == 34 and len({s.key for s in statements}) == 34
    assert all(s.text.startswith("I ") and len(s.text.split()) <= 16 for s in statements)
    assert [level.value for level in current.levels] == [1, 2, 3, 4]
    assert current.questions(["energy"]) == list(current.area("energy").statements)


def test_every_statement_has_plain_swedish(tmp_path):
    """LIX ≤ 40 for every Swedish statement, level line and gap sentence; the worst are listed on failure."""
    sv = read_catalog(LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po")
    current = framework.current()
    texts = [s.text for s in current.questions(current.area_keys)] + [a.gap for a in current.areas] + \
            [level.description for level in current.levels]
    scored = sorted(((lix(sv.get(text).string), sv.get(text).string) for text in texts), reverse=True)
    too_hard = [f"{score:.0f}  {swedish}" for score, swedish in scored if score > 40]
    assert not too_hard, "LIX above 40:\n" + "\n".join(too_hard)
    print("hardest Swedish statements:\n" + "\n".join(f"{score:.1f}  {text}" for score, text in scored[:5]))


def test_an_older_version_stays_readable_beside_a_newer_one(tmp_path):
    shutil.copy(FRAMEWORK_DIR / "v1.yml", tmp_path / "v1.yml")
    newer = (FRAMEWORK_DIR / "v1.yml").read_text().replace("version: 1", "version: 2")
    newer = newer.replace("key: energy.idle", "key: energy.idle_v2")
    (tmp_path / "v2.yml").write_text(newer)
    found = frameworks(tmp_path)
    assert sorted(found) == [1, 2]
    assert "energy.idle" in {s.key for s in found[1].area("energy").statements}
    assert "energy.idle" not in {s.key for s in found[2].area("energy").statements}


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("version: 1", "version: one"), "needs a whole-number 'version'"),
    (lambda t: t.replace("  4:\n", "  5:\n", 1), "'levels' must be exactly 1, 2, 3 and 4"),
    (lambda t: t.replace("topics: [energy]", "topics: [cooking]"), "needs course topics"),
    (lambda t: t.replace("key: energy.idle", "key: energy.leaks"), "must be unique"),
    (lambda t: t.replace("key: energy.idle", "key: safety.idle"), "must be unique and start with 'energy.'"),
])
def test_a_broken_framework_file_is_refused_with_one_sentence(tmp_path, change, message):
    path = tmp_path / "v1.yml"
    path.write_text(change((FRAMEWORK_DIR / "v1.yml").read_text()))
    with pytest.raises(FrameworkError, match=message) as raised:
        read_framework(path)
    assert str(raised.value).startswith("v1.yml: ")


def test_a_file_name_must_match_its_version(tmp_path):
    shutil.copy(FRAMEWORK_DIR / "v1.yml", tmp_path / "v3.yml")
    with pytest.raises(FrameworkError, match="name it v1.yml"):
        frameworks(tmp_path)


def test_goals_raise_targets_per_role_and_the_highest_level_wins():
    mapping = targets.goal_map()
    assert set(mapping.goals) == {"cut_energy", "less_material", "climate_declaration", "automate", "electrify",
                                  "quality", "safer"}
    assert set(mapping.roles) == {"operator", "maintenance_technician", "team_leader", "production_engineer",
                                  "warehouse", "quality"}
    nothing = mapping.targets("operator", [])
    energy = mapping.targets("operator", ["cut_energy"])
    both = mapping.targets("maintenance_technician", ["cut_energy", "electrify"])
    assert set(nothing) == set(DESIGN_AREAS) and all(1 <= level <= 4 for level in nothing.values())
    assert energy["energy"] > nothing["energy"]
    assert both["electrification"] >= mapping.targets("maintenance_technician", ["cut_energy"])["electrification"]
    assert all(both[a] >= mapping.targets("maintenance_technician", ["cut_energy"])[a] for a in DESIGN_AREAS)
    other = mapping.targets(targets.OTHER_ROLE, ["cut_energy"])  # someone without a listed role: what all need
    assert all(other[a] <= energy[a] for a in DESIGN_AREAS)


def _goals_with(tmp_path, extra: str):
    path = tmp_path / "goals.yml"
    path.write_text(textwrap.dedent("""\
        version: 1
        roles: {operator: "Operator"}
        baseline: {"*": {safety: 2}}
        default_goals: [g]
        goals:
          g:
            name: "A goal"
            raises:
        """) + textwrap.indent(extra, "      "))
    return path


@pytest.mark.parametrize("extra, message", [
    ('pilot: {energy: 3}\n', "unknown role 'pilot'"),
    ('operator: {cooking: 3}\n', "unknown area 'cooking'"),
    ('operator: {energy: 5}\n', "level must be 1, 2, 3 or 4"),
])
def test_a_broken_goals_file_is_refused(tmp_path, extra, message):
    with pytest.raises(FrameworkError, match=message):
        read_goal_map(_goals_with(tmp_path, extra))


def test_the_shipped_goals_file_reads(tmp_path):
    assert read_goal_map(GOALS_PATH).version >= 1
    assert read_goal_map(_goals_with(tmp_path, 'operator: {energy: 3}\n')).targets("operator", ["g"])["energy"] == 3
