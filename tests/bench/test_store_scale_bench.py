"""The store-at-scale benchmark (bench/store_scale.py), tiny: 500 people, 200 occasions, 5 000 outbox rows, SQLite
only. It checks that every part runs and gives sane results — the data seeded as asked, the team summary showing
the seeded organisation's figures, planning that plans the new tasks once, claims, searches that find courses, and a
real `kompis run` process that answers, draws charts and is measured — and not its timings or the memory goal."""

from __future__ import annotations

import json

import pytest

from bench.store_scale import WORK_USERS, main


@pytest.mark.timeout(600)
def test_the_store_at_scale_benchmark_runs_tiny_and_its_results_hold(tmp_path):
    out = tmp_path / "store_scale.json"
    main(["--people", "500", "--occasions", "200", "--outbox", "5000", "--queries", "30", "--engines", "sqlite",
          "--json", str(out)])  # the exit code also reflects timings on a busy machine: not asserted
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["parameters"]["people"] == 500 and figures["machine"]["cpus"]
    [run] = figures["engines"]
    assert run["engine"] == "SQLite"

    counts = run["counts"]
    assert counts["people"] == 500 and counts["occasions"] == 200 and counts["outbox"] == 5000
    assert counts["outbox due now"] > 0 and set(counts["outbox by state"]) >= {"sent", "skipped", "planned"}
    assert 0 < counts["people with a completed assessment"] < 500 and counts["area results"] > 0

    team, big = run["team"], run["big"]
    assert team["matches"], (team["figures"], team["expected"])
    assert team["figures"]["members"] == big["members"] == team["members_read"] == 100
    assert team["figures"]["assessed"] == big["assessed"] > 0 and team["figures"]["areas_shown"] == 10
    assert team["scopes"] == [f"o{big['organisation_id']}"]  # the manager of the whole organisation

    new, steady = run["planning_new"], run["planning_steady"]
    assert new["planned"] > 0 and sum(new["by_rule"].values()) == new["planned"]
    assert steady["planned"] <= 1  # everything planned (one person may just have become inactive for 30 days)
    assert run["sources"]["assessment_unfinished"]["tasks"] == counts["unfinished assessments"]
    claim = run["claim"]
    assert claim["claimed"] == min(100, claim["due"]) and claim["due"] > 0

    search = run["search"]
    assert search["queries"] == 30 and search["with_results"] > 0 and search["p95_ms"] > 0

    empty, bot = run["bot_empty"], run["bot"]
    assert empty["answered_s"] > 0 and empty["after_start"]["rss_mb"] > 0
    assert bot["polled_s"] is not None and bot["answered_s"] >= bot["polled_s"]
    assert bot["planning_log"] and bot["planning_log"].startswith("planned ")  # the rows rolled back above
    assert bot["work"]["users"] == WORK_USERS and bot["work"]["charts"] == WORK_USERS
    assert bot["team"]["chart"] and bot["team"]["names_organisation"]
    assert bot["reminders_sent"] > 0 and bot["errors_logged"] == 0, bot["log_tail"]
    for moment in ("after_start", "after_planning", "after_work", "at_end"):
        assert bot[moment]["rss_mb"] > 50 and bot[moment]["hwm_mb"] >= bot[moment]["rss_mb"]
        # The drawing process, seen: at least an interpreter (it may still be importing just after start-up on a
        # busy machine), and with the chart libraries loaded once it has drawn the 50 charts.
        floor = 20 if moment in ("after_work", "at_end") else 8
        assert bot[moment]["drawing_hwm_mb"] >= bot[moment]["drawing_rss_mb"] > floor, (moment, bot[moment])

    checks = {c["check"].split(" (")[0]: c["pass"] for c in run["checks"]}
    assert checks["team summary shows the seeded organisation's figures"]
    assert checks[f"the bot answered /start, the {WORK_USERS} users, and the manager's /team with its chart"]
