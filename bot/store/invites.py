"""Invite codes for deep links: unguessable, expiring, use-limited, revocable."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import update
from sqlmodel import Session, select

from bot.store.models import Invite, Organisation, Role, Team, utcnow

# Telegram allows A-Z a-z 0-9 _ - in a /start payload, up to 64 characters.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class InviteProblem(str, Enum):
    unknown = "unknown"
    expired = "expired"
    used_up = "used_up"
    revoked = "revoked"


@dataclass(frozen=True)
class InviteCheck:
    invite: Invite | None
    organisation: Organisation | None
    team: Team | None
    problem: InviteProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def new_code() -> str:
    """144 random bits, URL-safe (a deep link's payload), never beginning with "-": an operator passes codes on
    the command line (`kompis invite revoke`), where such a code would be read as an option."""
    while True:
        code = secrets.token_urlsafe(18)
        if not code.startswith("-"):
            return code


def create_invite(session: Session, *, organisation: Organisation, team: Team | None = None,
                  role: Role = Role.employee, valid_days: int, max_uses: int) -> Invite:
    invite = Invite(
        code=new_code(),
        organisation_id=organisation.id,
        team_id=team.id if team else None,
        role=role.value,
        expires_at=utcnow() + timedelta(days=valid_days),
        max_uses=max_uses,
    )
    session.add(invite)
    session.flush()
    return invite


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def check_invite(session: Session, *, code: str, now: datetime | None = None) -> InviteCheck:
    """What an invite code leads to, or why it cannot be used. Reads only; `redeem_invite` counts the use."""
    now = now or utcnow()
    invite = session.exec(select(Invite).where(Invite.code == code)).first() if CODE_RE.match(code or "") else None
    if invite is None:
        return InviteCheck(None, None, None, InviteProblem.unknown)
    organisation = session.get(Organisation, invite.organisation_id)
    team = session.get(Team, invite.team_id) if invite.team_id else None
    return InviteCheck(invite, organisation, team, _problem(invite, now))


def _problem(invite: Invite, now: datetime) -> InviteProblem | None:
    if invite.revoked_at is not None:
        return InviteProblem.revoked
    if invite.expires_at <= now:
        return InviteProblem.expired
    if invite.uses >= invite.max_uses:
        return InviteProblem.used_up
    return None


def redeem_invite(session: Session, *, code: str, now: datetime | None = None) -> InviteCheck:
    """Count one use, atomically: two people redeeming the last use at once cannot both succeed."""
    now = now or utcnow()
    checked = check_invite(session, code=code, now=now)
    if not checked.ok:
        return checked
    claimed = session.execute(
        update(Invite)
        .where(Invite.id == checked.invite.id, Invite.uses < Invite.max_uses,
               Invite.revoked_at.is_(None), Invite.expires_at > now)
        .values(uses=Invite.uses + 1)
    ).rowcount
    session.refresh(checked.invite)  # the row as the update left it, not as this session first read it
    if claimed != 1:
        problem = _problem(checked.invite, now) or InviteProblem.used_up
        return InviteCheck(checked.invite, checked.organisation, checked.team, problem)
    return checked


def revoke_invite(session: Session, *, code: str) -> Invite:
    invite = session.exec(select(Invite).where(Invite.code == code)).first()
    if invite is None:
        raise LookupError(f"no invite {code!r}")
    invite.revoked_at = invite.revoked_at or utcnow()
    session.add(invite)
    return invite
