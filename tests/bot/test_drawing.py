"""Charts are drawn in a process of their own (bot/drawing.py): the bot's process only waits for the bytes, and
what the drawing says — its result, warnings, log records, exceptions — reaches the caller as if drawn there. The
drawing process comes back when it dies and ends when the bot ends, also when the bot is killed."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from bot import drawing
from bot.competence.chart import ChartArea, ChartText, render_profile
from bot.progress_chart import ProgressRow, render_progress

ROOT = Path(__file__).resolve().parents[2]
TEXT = ChartText("Din nivå", "Du", "Mål", "Förra gången", "ej bedömd", ("Ny", "Med stöd", "Själv", "Lär ut"))


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("holds a lock")
        self.lock = threading.Lock()


@drawing.drawn_apart
def where(kind: str = "pid") -> object:
    """A renderer that says where it ran, and warns, logs or raises when asked."""
    if kind == "warn":
        warnings.warn("a glyph is missing", UserWarning)
    if kind == "log":
        logging.getLogger("kompis.test_drawing").warning("drawn for %s", "Ada")
    if kind == "raise":
        raise ValueError("a chart needs at least one area")
    if kind == "unpicklable":
        raise Unpicklable()
    if kind == "nested":
        return where("pid")  # a renderer calling another draws it right there
    return os.getpid()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "State:\tZ" not in status.read()
    except FileNotFoundError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_charts_are_drawn_in_another_process_one_process_for_all():
    pid = drawing.start()
    assert pid != os.getpid() and alive(pid)
    assert where() == pid
    assert where("nested") == pid
    png = render_profile([ChartArea("Säkerhet", 2.5, 3, 2.0)], TEXT)
    assert png.startswith(b"\xff\xd8\xff") and render_progress([ProgressRow("Organisationer", 0.4, "4 av 10")], "Mål")
    assert where() == pid  # still the same one


def test_threads_asking_at_once_all_get_their_own_chart():
    results: dict[int, bytes] = {}

    def ask(n: int) -> None:
        results[n] = render_profile([ChartArea("Område", 1.0 + n / 4, 3)] * (n + 1), TEXT)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(8))
    assert all(results[n] == render_profile([ChartArea("Område", 1.0 + n / 4, 3)] * (n + 1), TEXT) for n in results)
    assert len(set(results.values())) == 8


def test_a_chart_handed_over_ahead_is_drawn_while_the_caller_goes_on():
    """`drawing.ahead` begins the drawing at once (Turn.send_photo uses it: a result chart is drawn while the turn
    commits and the replies before it are sent) and gives its result, or raises its exception, when asked."""
    began, go_on = threading.Event(), threading.Event()

    def draw() -> object:
        began.set()
        assert go_on.wait(10)
        return where()

    result = drawing.ahead(draw)
    assert began.wait(10)  # begun before anyone asked for the result
    go_on.set()
    assert result() == drawing.start()  # drawn in the drawing process
    failed = drawing.ahead(lambda: where("raise"))
    with pytest.raises(ValueError, match="at least one area"):
        failed()


def test_a_drawing_ahead_that_has_not_begun_can_be_dropped():
    """A turn thrown away (run again after StaleState, or failed) cancels its charts (TurnRunner._run_once): one
    still waiting behind another is never drawn; one being drawn is finished."""
    began, go_on, drawn = threading.Event(), threading.Event(), []

    def draw(name: str) -> str:
        began.set()
        assert go_on.wait(10)
        drawn.append(name)
        return name

    first, second, third = (drawing.ahead(lambda n=n: draw(n)) for n in ("first", "second", "third"))
    assert began.wait(10)
    assert not first.cancel()  # begun: it is drawn all the same
    assert second.cancel()
    go_on.set()
    assert (first(), third()) == ("first", "third") and drawn == ["first", "third"]
    with pytest.raises(CancelledError):
        second()


def test_warnings_log_records_and_exceptions_reach_the_caller(caplog):
    with pytest.warns(UserWarning, match="a glyph is missing"):
        where("warn")
    with caplog.at_level(logging.WARNING, logger="kompis.test_drawing"):
        where("log")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == \
        [("kompis.test_drawing", logging.WARNING, "drawn for Ada")]
    with pytest.raises(ValueError, match="at least one area"):
        where("raise")
    with pytest.raises(RuntimeError, match="Unpicklable: holds a lock"):
        where("unpicklable")
    assert where() != os.getpid()  # none of it ended the drawing process


def test_a_drawing_process_that_died_is_replaced_at_the_next_chart(caplog):
    pid = drawing.start()
    os.kill(pid, signal.SIGKILL)
    assert gone_within(pid, 5)
    with caplog.at_level(logging.WARNING, logger="bot.drawing"):
        again = where()
    assert again != pid and alive(again)
    assert f"the drawing process {pid} ended" in caplog.text
    assert render_profile([ChartArea("Säkerhet", 2.5, 3)], TEXT).startswith(b"\xff\xd8\xff")


def test_stopped_it_ends_and_a_later_chart_starts_another():
    pid = drawing.start()
    drawing.stop()
    assert gone_within(pid, 5)
    assert where() not in (pid, os.getpid())


def test_when_the_bots_interpreter_ends_the_drawing_process_is_ended_in_order():
    """A bot in another process (a test's, the terminal chat) that never stops the drawing process: at its exit the
    drawing process is ended and waited for, without "subprocess is still running" or "unclosed file" warnings."""
    code = "from bot import drawing; print(drawing.start(), flush=True)"
    done = subprocess.run([sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(drawing.__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[0])
    assert gone_within(pid, 5)
    assert "ResourceWarning" not in done.stderr, done.stderr


def test_the_drawing_process_ends_with_a_killed_bot_without_a_word():
    """SIGKILL gives the bot no time to stop anything: the drawing process sees its input end and leaves, quietly
    (no traceback in the log), instead of staying behind."""
    script = textwrap.dedent("""
        from bot import drawing
        from bot.competence.chart import ChartArea, ChartText, render_profile
        render_profile([ChartArea("x", 2.0, 3)], ChartText("t", "a", "b", "c", "d", ("1", "2", "3", "4")))
        print(drawing.start(), flush=True)
        import time; time.sleep(60)
    """)
    bot = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        pid = int(bot.stdout.readline())
        assert alive(pid)
        bot.kill()
        bot.wait()
        assert gone_within(pid, 5)
        assert bot.stderr.read() == ""
    finally:
        bot.kill()
        bot.wait()


def test_the_bots_process_loads_no_drawing_library():
    """matplotlib, numpy and openpyxl are loaded in the drawing process only: ~55 MB the bot's process need not
    hold (bench/store_scale.py measures both)."""
    script = textwrap.dedent("""
        import sys
        import bot.app, bot.cli
        from dialogues import build_router
        build_router()
        print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & {"matplotlib", "numpy", "openpyxl"})))
    """)
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
