"""The worker's own pacing (`RateLimit`), on a clock the test moves: the overall rate and the one message per chat
per second are kept, and time lost between two sends is made up, within the catch-up allowance only."""

from __future__ import annotations

import asyncio

import pytest

from bot.reminders import worker
from bot.reminders.worker import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(worker.asyncio, "sleep", clock.sleep)  # the limiter's waits move the test's clock
    return clock


def send_times(limit: RateLimit, clock: Clock, chats, *, work: float = 0.0, stall_at: dict | None = None) -> list:
    """When each send may go: `work` seconds pass after each one, `stall_at[i]` more before send i."""
    async def main():
        times = []
        for i, chat in enumerate(chats):
            clock.now += (stall_at or {}).get(i, 0.0)
            await limit.wait(chat)
            times.append(clock.now)
            clock.now += work
        return times

    return asyncio.run(main())


def most_in_window(times: list, seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


def test_the_rate_holds_over_time_and_a_burst_is_at_most_the_catch_up(clock):
    limit = RateLimit(30, clock=clock, catch_up=0.5)
    times = send_times(limit, clock, range(3000))
    assert times[15] == times[0] and times[16] > times[0]  # 1 + 0.5 s x 30/s at once, no more
    assert (times[-1] - times[0]) == pytest.approx((3000 - 16) / 30)  # then exactly 30/s
    assert most_in_window(times[100:], 1.0) <= 31


def test_time_lost_between_sends_is_made_up(clock):
    limit = RateLimit(30, clock=clock, catch_up=0.5)
    # Each send takes 20 ms of work, every 10th is held up 60 ms more (a slow store round trip): 26 ms a send on
    # average, below the 33 ms of 30/s, so the worker keeps 30/s instead of losing each delay.
    stalls = {i: 0.06 for i in range(0, 3000, 10)}
    times = send_times(limit, clock, range(3000), work=0.02, stall_at=stalls)
    assert 2999 / (times[-1] - times[0]) == pytest.approx(30, rel=0.01)
    assert most_in_window(times, 1.0) <= 30 + 16
    # A pause longer than the catch-up is made up only as far as the catch-up goes.
    limit = RateLimit(30, clock=clock, catch_up=0.5)
    times = send_times(limit, clock, range(200), stall_at={100: 3.0})
    assert sum(1 for t in times if times[100] <= t < times[100] + 0.99) == 16 + 29  # a burst of 16, then 30/s


def test_one_message_per_chat_per_second(clock):
    limit = RateLimit(30, clock=clock, catch_up=0.5)
    times = send_times(limit, clock, [1, 1, 1, 2])
    assert times[1] - times[0] == pytest.approx(1.0) and times[2] - times[1] == pytest.approx(1.0)
    assert times[3] == times[2]  # another chat need not wait
