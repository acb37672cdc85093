"""Self-assessment run: how much of the "under 10 minutes" the bot itself takes, as a person on a phone feels it.

    .venv/bin/python bench/assessment_run.py [--runs N]

It starts the real bot against its own local Bot API server (tests.auxil.conversation.RunningBot, a fresh SQLite
store, NLU off). In each run a new onboarded Swedish user answers all 34 statements with buttons. For each press
it measures the time until the next statement is on the screen (newest message polled every 2 ms, as
Chatter.shows does), and for the last press the time until both the result photo (the chart, drawn in the bot)
and the result message have arrived. The baseline, measured in the same run and the same way: a second user
presses "Help" in the main menu (an edit with no store work) after every press of the first. render_profile is
also timed alone on a 10-area chart, to tell drawing the chart apart from delivering it. The bot's time for a
whole run is set against the human estimate, 34 × SECONDS_PER_QUESTION (dialogues/assessment.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `import bot` and `import tests` work when run as a script

import argparse
import statistics
import tempfile
import time

from bench.nlu_latency import machine, machine_line, percentile
from bot.competence import framework
from bot.competence.chart import ChartArea, ChartText, render_profile
from bot.i18n import I18n
from bot.store import migrate
from bot.store.db import Store
from dialogues.assessment import SECONDS_PER_QUESTION
from tests.auxil.conversation import WAIT, Chatter, RunningBot, _message_text
from tests.conftest import make_config

LANG, POLL, CHART_RENDERS = "sv", 0.002, 20
QUESTIONS = framework.current().questions(framework.current().area_keys)


def press_and_wait(user: Chatter, label: str, arrived) -> float:
    """Press the button `label` on the newest message with buttons; seconds until `arrived(messages)` is true."""
    messages = user.client.messages(user.id)
    message = next(m for m in reversed(messages) if (m.get("reply_markup") or {}).get("inline_keyboard"))
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if label in b["text"])
    started = time.perf_counter()
    user.client.press(user.user, message["message_id"], data)
    while not arrived(messages := user.client.messages(user.id)):
        if time.perf_counter() - started > WAIT:
            raise AssertionError(f"nothing after pressing {label!r}; the chat shows:\n{user.transcript()}")
        time.sleep(POLL)
    return time.perf_counter() - started


def newest_has(*fragments: str):
    return lambda messages: bool(messages) and all(f in _message_text(messages[-1]) for f in fragments)


def newest_has_button(label: str):
    return lambda messages: bool(messages) and label in [
        b["text"] for row in (messages[-1].get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def one_run(kompis: RunningBot, helper: Chatter) -> tuple[list[float], float, list[float]]:
    """A full self-assessment: (33 press→next statement latencies, last press→result latency, 34 baselines)."""
    t = lambda msgid, **kw: kompis.text(LANG, msgid, **kw)
    menu_button, redo = t("Help"), t("Redo an area")
    levels = [t("{number} {name}", number=n, name=t(framework.current().level(n).name)) for n in (1, 2, 3, 4)]

    def baseline() -> float:
        took = press_and_wait(helper, menu_button, newest_has("/menu", "/help"))  # the help text lists them
        press_and_wait(helper, t("Main menu"), newest_has_button(menu_button))  # back to the menu, untimed
        return took

    user = kompis.onboarded_user(LANG)
    user.presses(t("Check my skills"))
    user.presses(t("Operator"))
    user.presses(t("All areas"))
    user.shows(f"1 / {len(QUESTIONS)}")
    presses, baselines = [], []
    for i, following in enumerate(QUESTIONS[1:]):
        presses.append(press_and_wait(user, levels[i % 4], newest_has(f"· {i + 2} / {len(QUESTIONS)}\n",
                                                                      t(following.text))))
        baselines.append(baseline())
    result_shown = newest_has_button(redo)  # the result message, sent after the photo
    result = press_and_wait(user, levels[(len(QUESTIONS) - 1) % 4],
                            lambda ms: any(m.get("photo") for m in ms) and result_shown(ms))
    baselines.append(baseline())
    return presses, result, baselines


def chart_render_seconds() -> list[float]:
    """render_profile alone: the 10 areas in Swedish, with targets and some previous levels."""
    t = I18n([LANG], LANG).translator(LANG).gettext
    current = framework.current()
    text = ChartText(t("Your level and the target for your role"), t("You"), t("Target"), t("Last time"),
                     t("not assessed"), tuple(t(level.name) for level in current.levels))
    areas = [ChartArea(t(area.name), 1 + (i % 7) / 2, 1 + i % 4, 1 + (i % 5) / 2 if i % 2 else None)
             for i, area in enumerate(current.areas)]
    assert len(areas) == 10
    times = []
    for _ in range(CHART_RENDERS):
        started = time.perf_counter()
        render_profile(areas, text)
        times.append(time.perf_counter() - started)
    return times


def stats(values: list[float]) -> str:
    s = sorted(values)
    return (f"n {len(s):>3}  p50 {1000 * percentile(s, 50):6.1f}  p95 {1000 * percentile(s, 95):6.1f}  "
            f"max {1000 * s[-1]:6.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="full self-assessments, each by a new user (3)")
    args = parser.parse_args(argv)
    m = machine()
    presses, results, baselines, totals = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'kompis.db'}")
        migrate.upgrade(store)
        kompis = RunningBot(make_config(store.url), store).start()
        try:
            helper = kompis.onboarded_user(LANG)
            for run in range(args.runs):
                p, r, b = one_run(kompis, helper)
                presses += p
                results.append(r)
                baselines += b
                totals.append(sum(p) + r)
                print(f"run {run + 1}: bot time {totals[-1]:.2f} s, result {1000 * r:.0f} ms", flush=True)
        finally:
            kompis.stop()
            store.dispose()
    charts = chart_render_seconds()
    p50, b50 = percentile(sorted(presses), 50), percentile(sorted(baselines), 50)
    human = len(QUESTIONS) * SECONDS_PER_QUESTION
    total = statistics.median(totals)
    print(f"\nSelf-assessment run, {args.runs} run(s) of {len(QUESTIONS)} statements, NLU off, SQLite")
    print(f"machine: {machine_line(m)}; load average at start {m['load_average'][0]:.2f}")
    print(f"press → next statement shown   {stats(presses)}")
    print(f"baseline: Help → help shown    {stats(baselines)}")
    print(f"ratio p50 assessment/baseline  x{p50 / b50:.1f}")
    print(f"last press → photo + result    median {1000 * statistics.median(results):.0f} ms "
          f"(runs: {', '.join(f'{1000 * r:.0f}' for r in results)})")
    print(f"render_profile, 10 areas       median {1000 * statistics.median(charts):.0f} ms "
          f"({CHART_RENDERS} renders, first {1000 * charts[0]:.0f} ms)")
    print(f"bot time for a full run        median {total:.2f} s = {100 * total / human:.1f} % of the human "
          f"{len(QUESTIONS)} × {SECONDS_PER_QUESTION} s = {human / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
