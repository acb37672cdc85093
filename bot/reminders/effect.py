"""Do reminders work? Per rule and wording variant, the share of reminder chains whose task was done within the
rule's window, against the control group that got no reminder of that kind, with a 95 % confidence interval
for the difference (Newcombe's hybrid Wilson score interval, which behaves with small groups and rates near
0 or 1). A chain is one subject of one rule (one unfinished assessment, one sign-up); its first planned
reminder is when it starts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.store.models import Assessment, Nudge, SignUp, SignUpStep

WINDOW = timedelta(days=14)  # after a chain's first reminder was due, the task counts as done within this
Z = 1.959964  # 95 %


@dataclass(frozen=True)
class Arm:
    rule: str
    variant: str
    chains: int
    done: int

    @property
    def rate(self) -> float:
        return self.done / self.chains if self.chains else 0.0


@dataclass(frozen=True)
class Effect:
    arm: Arm
    control: Arm | None
    difference: float | None  # rate minus control's rate
    low: float | None
    high: float | None


def _wilson(done: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = done / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def difference_interval(a_done: int, a_n: int, b_done: int, b_n: int) -> tuple[float, float, float]:
    """Newcombe's method 10: the difference of two proportions (a − b) and its 95 % interval."""
    p1, p2 = a_done / a_n, b_done / b_n
    l1, u1 = _wilson(a_done, a_n)
    l2, u2 = _wilson(b_done, b_n)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def _done(session: Session, rule: str, payload: dict, started: datetime) -> bool:
    until = started + WINDOW
    if rule == "assessment_unfinished":
        assessment = session.get(Assessment, payload.get("assessment"))
        return bool(assessment and assessment.completed_at and assessment.completed_at <= until)
    signed = session.get(SignUp, payload.get("sign_up"))
    if signed is None:
        return False
    wanted = {"apply_closing": ("applied", "admitted", "started", "completed"), "course_starting": ("started",
              "completed"), "course_followup": ("completed",), "approval_waiting": ("approved", "declined")}.get(rule, ())
    return session.exec(select(func.count()).select_from(SignUpStep).where(
        SignUpStep.sign_up_id == signed.id, col(SignUpStep.state).in_(wanted), SignUpStep.at <= until)).one() > 0


def report(session: Session, *, now: datetime) -> list[Effect]:
    """Chains whose window has closed, by rule and variant, each compared with its rule's control group."""
    first = select(Nudge.rule, Nudge.subject, Nudge.variant, func.min(Nudge.due_at), func.min(Nudge.payload)).where(
        Nudge.step < 1000).group_by(Nudge.rule, Nudge.subject, Nudge.variant)
    arms: dict[tuple[str, str], list[int]] = {}
    for rule, _subject, variant, started, payload in session.exec(first):
        if started + WINDOW > now:
            continue  # still running: not counted yet
        counts = arms.setdefault((rule, variant), [0, 0])
        counts[0] += 1
        counts[1] += _done(session, rule, json.loads(payload or "{}"), started)
    effects = []
    for (rule, variant), (chains, done) in sorted(arms.items()):
        if variant == "control":
            continue
        arm = Arm(rule, variant, chains, done)
        control_counts = arms.get((rule, "control"))
        control = Arm(rule, "control", *control_counts) if control_counts else None
        if control and control.chains and arm.chains:
            d, low, high = difference_interval(done, chains, control.done, control.chains)
            effects.append(Effect(arm, control, d, low, high))
        else:
            effects.append(Effect(arm, control, None, None, None))
    return effects
