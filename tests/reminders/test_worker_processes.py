"""Worker processes (`kompis worker`) sharing one PostgreSQL outbox, sending through the local Bot API: two
workers send 2 000 due reminders with no duplicate and no loss; a worker killed with SIGKILL mid-run leaves
the rest to another, and nobody gets a reminder twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from bot.store import migrate
from bot.store.db import Store
from bot.store.models import Nudge, Person
from tests.auxil.reminders import due_reminders

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "4343:worker-test-token"
pytestmark = pytest.mark.postgres


@pytest.fixture
def setting(pg_server, tmp_path):
    store = Store(pg_server.create_database())
    migrate.upgrade(store)
    api = ThreadedLocalBotApi(Limits.unlimited()).start()
    client = SyncLocalApiClient(api.api.root_url, TOKEN)
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["reminders"].update(window={"days": "mon-sun", "start": "00:00", "end": "23:59", "skip_holidays": False},
                               per_second=30, lease_seconds=10)
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET")}
    env.update(DATABASE_URL=store.url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
               KOMPIS_CONFIG=str(path))
    yield store, client, env
    client.close()
    api.stop()
    store.dispose()


def worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--until-idle", "--no-plan", "--name", name],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def delivered(client: SyncLocalApiClient) -> int:
    return client.stats()["requests"].get("sendMessage", 0)


def states(store: Store) -> dict[str, int]:
    with store.session() as session:
        found: dict[str, int] = {}
        for state in session.exec(select(Nudge.state)):
            found[state] = found.get(state, 0) + 1
        return found


def test_two_workers_send_2000_reminders_each_exactly_once(setting):
    store, client, env = setting
    due_reminders(store, client, 2000)
    client.reset_stats()
    workers = [worker(env, "w1"), worker(env, "w2")]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert states(store) == {"sent": 2000}
    assert delivered(client) == 2000  # no duplicate, no loss
    with store.session() as session:
        by_worker = {name: len(session.exec(select(Nudge.id).where(Nudge.claimed_by == name)).all())
                     for name in ("w1", "w2")}
        assert all(count > 0 for count in by_worker.values()), by_worker  # both really worked
        chats = session.exec(select(Person.chat_id)).all()
    bot_messages = [sum(1 for m in client.messages(chat) if m.get("from", {}).get("is_bot")) for chat in chats]
    assert bot_messages == [1] * 2000  # every person exactly one reminder


def test_a_worker_killed_mid_run_leaves_the_rest_to_another_and_none_is_sent_twice(setting):
    store, client, env = setting
    due_reminders(store, client, 600)
    client.reset_stats()
    doomed = worker(env, "doomed")
    deadline = time.monotonic() + 120
    while delivered(client) < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    at_kill = delivered(client)
    assert 0 < at_kill < 600
    time.sleep(11)  # the lease (10 s) of the rows it had claimed runs out
    rescuer = worker(env, "rescuer")
    output = rescuer.communicate(timeout=600)[0]
    assert rescuer.returncode == 0, output
    found = states(store)
    in_flight = found.get("sending", 0)  # the killed worker's send in flight, if any: never sent again
    assert in_flight <= 1 and found.get("sent", 0) + in_flight == 600
    assert found["sent"] <= delivered(client) <= found["sent"] + in_flight  # nobody got one twice
    with store.session() as session:
        rescued = session.exec(select(Nudge.id).where(Nudge.claimed_by == "rescuer")).all()
    assert rescued  # the rest was taken over
