"""The update-handling benchmark (bench/updates.py), tiny: four users, SQLite only, a few dozen updates per phase
against the real `kompis run` process and the bare PTB bot over the local Bot API. It checks what the benchmark
checks at full size — every update answered, each press answered once, one reply with buttons per update, no
error anywhere — and not its timings."""

from __future__ import annotations

import json

import pytest

from bench.updates import main


@pytest.mark.timeout(240)
@pytest.mark.parametrize("pace", [None, 8.0], ids=["paced at half the bare rate", "paced as set"])
def test_every_update_is_answered_once_by_kompis_and_by_the_bare_bot(tmp_path, capsys, pace):
    out = tmp_path / "updates.json"
    status = main(["--users", "4", "--updates", "30", "--rounds", "2", "--warmup", "0", "--engines", "sqlite",
                   "--json", str(out), *(["--pace", str(pace)] if pace else [])])
    figures = json.loads(out.read_text(encoding="utf-8"))
    [sqlite] = figures["results"]
    assert sqlite["setup"] == "SQLite"
    for name in ("bare", "Kompis"):
        checked = sqlite["invariants"][name]
        assert checked["unanswered"] == 0, checked
        assert checked["callback_queries_unanswered"] == 0 and checked["callback_queries_answered_twice"] == 0
        assert checked["chats_where_replies_with_buttons_differ_from_updates"] == 0
        assert checked["updates_queued"] == checked["updates_sent"] and checked["pending_updates"] == 0
        assert checked["bot_api_errors"] == 0 and checked["log_errors"] == 0
        assert checked["lost_flows"] == 0, checked["lost_flow_examples"]
        assert checked["strays"] == 0
        assert checked["ok"]
    phases = {(p["phase"], p["bot"]): p for p in sqlite["phases"]}
    assert set(phases) == {(phase, bot) for phase in ("saturation", "paced") for bot in ("bare", "Kompis")}
    for phase in phases.values():
        assert phase["unanswered"] == 0 and not phase["errors"]
        assert phase["press"]["n"] > 0
    kompis = sqlite["invariants"]["Kompis"]
    assert kompis["presses"] > kompis["texts"] > 0  # both kinds went through the real dialogues
    assert sqlite["onboarding"]["Kompis"]["updates"] == 4 * 7
    assert sqlite["seeded"]["seeded"] == 4
    judged = sqlite["goal"]
    [verdict] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("goal:")]
    if pace is None:  # the goal: half the bare bot's saturation rate, and a verdict
        assert judged["paced_rate"] == pytest.approx(phases[("saturation", "bare")]["per_second"] / 2)
        assert judged["met"] in (True, False) and "(half the bare bot's saturation rate;" in verdict
        assert verdict.endswith("-> PASS" if judged["met"] else "-> FAIL")
    else:  # a pace set to compare runs: no verdict
        assert judged["paced_rate"] == pace and judged["pace_set"] and judged["met"] is None
        assert figures["meta"]["pace"] == pace and "(set by --pace;" in verdict
        assert verdict.endswith("-> not judged: the pace was set by --pace")
    assert status == 0


@pytest.mark.parametrize("pace", ["0", "-5", "fast"])
def test_a_pace_must_be_a_number_above_zero(pace, capsys):
    with pytest.raises(SystemExit):
        main(["--pace", pace])
    assert "--pace" in capsys.readouterr().err
