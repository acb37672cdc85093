"""The broadcast benchmark (bench/broadcast.py), tiny: the real broadcast path (broadcasts.create, `kompis worker`
processes, the local Bot API's limits) to 60 recipients, checking what the benchmark checks at 10 000 — nobody
lost, nobody twice, every 429 waited out — and not its timings."""

from __future__ import annotations

import pytest

from bench.broadcast import FIRST_USER, run_broadcast
from bot.localapi import Limits


def quiet(_line: str) -> None:
    pass


@pytest.mark.timeout(180)
def test_one_worker_faster_than_the_server_allows_waits_out_every_429(tmp_path):
    # The server allows 20 sends/s (burst 5) while the worker paces itself at 30/s: 429s must come, and the
    # worker may send again, into the scope that refused, only after each retry_after has passed. Besides, the
    # first offer into one chat and the first progress edit (here the final report) are answered 429 retry
    # after 2: the offer and the report still arrive, once, after the wait.
    faults = ({"method": "sendMessage", "chat_id": FIRST_USER + 7, "status": 429, "retry_after": 2},
              {"method": "editMessageText", "status": 429, "retry_after": 2})
    run = run_broadcast(f"sqlite:///{tmp_path / 'broadcast.db'}", 60, 1, tmp_path, engine="SQLite",
                        limits=Limits(global_per_second=20, global_burst=5), per_second=30, faults=faults,
                        log=quiet)
    assert run.exit_codes == [0]
    assert run.server["injected_faults"] == 2 and run.rate_limited > 2
    assert run.server["requests"]["editMessageText"] >= 2 and run.progress_edits >= 1
    assert run.not_honoured == 0 and run.server["sent_too_early"] == 0
    assert run.duplicates == 0 and run.lost == 0 and run.strangers == 0
    assert run.outbox_states == {"sent": 60} and run.broadcast_state == "done"
    assert run.tally["sent"] == 60 and run.tally["waiting"] == 0 and run.tally["failed"] == 0
    assert run.final_report.startswith("Broadcast finished: 60 recipients. Delivered 60,")


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_two_workers_on_postgresql_send_each_offer_exactly_once(pg_server, tmp_path):
    run = run_broadcast(pg_server.create_database(), 60, 2, tmp_path, engine="PostgreSQL", log=quiet)
    assert run.exit_codes == [0, 0]
    assert run.not_honoured == 0 and run.server["sent_too_early"] == 0
    assert run.duplicates == 0 and run.lost == 0 and run.strangers == 0
    assert run.outbox_states == {"sent": 60} and run.broadcast_state == "done"
    assert run.tally["sent"] == 60 and run.tally["waiting"] == 0
    assert run.exactly_once
    assert run.final_report.startswith("Broadcast finished: 60 recipients. Delivered 60,")
