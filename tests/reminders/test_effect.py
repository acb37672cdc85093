"""The effect report: chains by rule and variant against the control group, with Newcombe's interval."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.competence import framework
from bot.reminders.effect import WINDOW, difference_interval, report
from bot.store import assessments, outbox, people
from bot.store.models import utcnow


def test_the_interval_matches_newcombes_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80 → 0.2000 (0.0524, 0.3339).
    d, low, high = difference_interval(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_report_compares_each_variant_with_the_control_group(store):
    long_ago = utcnow() - WINDOW - timedelta(days=10)
    with store.session() as session:
        for n in range(40):
            person = people.register(session, telegram_user_id=1000 + n, chat_id=1000 + n, language="sv")
            assessment = assessments.start(session, person_id=person.id, framework=framework.current(),
                                           areas=["energy"], job_role="operator")
            variant = "control" if n % 2 else "a"
            outbox.plan(session, person_id=person.id, rule="assessment_unfinished", subject=f"assessment:{n}",
                        step=1, due_at=long_ago, variant=variant, payload={"assessment": assessment.id})
            # the reminded half finish 12 of 20, the control half 4 of 20
            if (variant == "a" and n < 24) or (variant == "control" and n < 8):
                assessments.complete(session, assessment=assessment, framework=framework.current())
                assessment.completed_at = long_ago + timedelta(days=3)
                session.add(assessment)
        # a chain still within its window is not counted yet
        outbox.plan(session, person_id=person.id, rule="assessment_unfinished", subject="assessment:new", step=1,
                    due_at=utcnow(), variant="a", payload={})
    with store.session() as session:
        [effect] = report(session, now=utcnow())
    assert (effect.arm.variant, effect.arm.chains, effect.arm.done) == ("a", 20, 12)
    assert (effect.control.chains, effect.control.done) == (20, 4)
    assert effect.difference == pytest.approx(0.4) and 0 < effect.low < 0.4 < effect.high < 0.7
