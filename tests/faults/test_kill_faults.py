"""A bot process killed with SIGKILL in the middle of its work and started again.

`kompis run` runs here as a real operating-system process polling the project's local Bot API, which lives in
the test process and so outlives it, as Telegram outlives a crashed bot. A coordinator sends an offer through
the chat; the process is killed while one send is on its way; a new process is started on the same store.

The same fault for `kompis worker` (SIGKILL mid-reminder-run, another worker takes over, nobody gets a reminder
twice) is tests/reminders/test_worker_processes.py::
test_a_worker_killed_mid_run_leaves_the_rest_to_another_and_none_is_sent_twice.
"""

from __future__ import annotations

import pytest

from bot.config import load_config
from bot.i18n import I18n
from bot.localapi import Limits, SyncLocalApiClient, ThreadedLocalBotApi
from bot.store.models import Role
from tests.auxil import conversation
from tests.auxil.broadcasting import (employees, final_report, offers_per_recipient, onboard, row_states, send_offer,
                                      tally, the_broadcast)
from tests.auxil.conversation import Chatter
from tests.auxil.processes import TOKEN, config_file, environment, kompis_run, wait_until
from tests.auxil.workplaces import invite

N = 200  # recipients
FIRST = 840_000  # their user ids


@pytest.mark.timeout(360)
def test_the_bot_process_killed_mid_broadcast_and_started_again(store, tmp_path, monkeypatch):
    """`kompis run` is sending a coordinator's offer to 200 people (its reminder service, 20 a second) and is
    killed with SIGKILL while the send to recipient 81 is on its way to the Bot API (`sending` is committed
    before that call); a new `kompis run` is started on the same store. SQLite and PostgreSQL.

    Afterwards, as ARCHITECTURE and bot/store/outbox.py promise:
    - nobody has the offer twice;
    - the 199 others all have it exactly once: those the killed process had sent before, the rest delivered by
      the new process (the rows the killed one had claimed are taken over when their 10 s lease ends);
    - recipient 81's row stays `sending` and is never sent again (at most once: whether that message arrived is
      not known to Kompis; the test reports whether the Bot API got it);
    - the coordinator's progress message (the same message, edited) ends as the final report: 200 recipients,
      delivered 199, failed 1 — the in-flight row counted as failed once its lease is over."""
    monkeypatch.setattr(conversation, "WAIT", 30.0)  # a separate process on a loaded machine
    api = ThreadedLocalBotApi(Limits.unlimited()).start()
    client = SyncLocalApiClient(api.api.root_url, TOKEN)
    config = load_config(env={"KOMPIS_CONFIG": str(config_file(tmp_path)), "DATABASE_URL": store.url})
    i18n = I18n(config.languages, config.default_language)
    env = environment(database_url=store.url, base_url=api.base_url, config=tmp_path / "config.yml")
    processes = []
    try:
        first = kompis_run(env, tmp_path / "first.log")
        processes.append(first)
        wait_until(lambda: client.stats()["requests"].get("getUpdates", 0) >= 1, timeout=120,
                   what="the first bot process polling", process=first)
        eva = Chatter(client, {"id": FIRST + 9_999, "first_name": "Eva", "is_bot": False, "language_code": "sv"})
        onboard(eva, i18n, invite=invite(store, "Bruket AB", Role.coordinator))
        chats = employees(store, client, first=FIRST, count=N)
        in_flight = chats[80]
        client.fault(method="sendMessage", chat_id=in_flight, status=None, delay=10.0)  # a slow answer: time to kill
        send_offer(eva, i18n, expected=N)
        wait_until(lambda: client.stats()["injected_faults"] >= 1, timeout=120, every=0.05,
                   what="the send to recipient 81 on its way", process=first)
        first.kill()

        broadcast = the_broadcast(store)
        states = row_states(store, broadcast.id)
        sent_by_first = sum(1 for s in states.values() if s == "sent")
        assert states[in_flight] == "sending" and broadcast.state == "sending"
        assert 0 < sent_by_first < N

        second = kompis_run(env, tmp_path / "second.log")
        processes.append(second)
        wait_until(lambda: the_broadcast(store, broadcast.id).state == "done", timeout=240, every=0.5,
                   what="the broadcast finished by the new process", process=second)

        per_recipient = offers_per_recipient(client, chats)
        states = row_states(store, broadcast.id)
        print(f"sent by the killed process: {sent_by_first}; rows left `sending`: "
              f"{sum(1 for s in states.values() if s == 'sending')}; the in-flight message reached the Bot API: "
              f"{per_recipient[in_flight]} time(s)")
        assert max(per_recipient.values()) <= 1  # nobody twice
        assert all(per_recipient[chat] == 1 for chat in chats if chat != in_flight)  # nobody else lost
        assert states[in_flight] == "sending"  # never sent again
        assert all(state == "sent" for chat, state in states.items() if chat != in_flight)
        figures = tally(store, broadcast.id)
        assert (figures.total, figures.sent, figures.failed, figures.waiting) == (N, N - 1, 1, 0)
        report = final_report(i18n, figures)
        assert eva.shows(report) == report
        assert client.messages(eva.id)[-1]["message_id"] == broadcast.progress_message_id  # edited in place
    finally:
        for process in processes:
            process.stop()
        client.close()
        api.stop()
