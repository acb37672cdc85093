"""Charts are drawn in a process of their own, one at a time, and each is freed as soon as it is drawn.

The same process makes the invite poster and the XLSX exports and answers which characters the fonts draw: what
needs matplotlib, numpy or openpyxl runs there, so the bot's own process never loads them (~55 MB less).

- Apart: drawing holds the GIL nearly throughout (a result chart took ~150-250 ms with matplotlib, ~40 ms now with
  Pillow), so drawn in the bot's own process every other update waited behind it: a button press's p99 was 419 ms
  with result charts among the presses and 117 ms without (bench/updates.py). The drawing process has a GIL of its
  own; the bot's thread only waits for the bytes.
- One process, one chart at a time: charts side by side take no less time in all on a small machine, and each
  drawing process costs its own matplotlib and fonts.
- Freed at once: a matplotlib Figure refers to itself, so only the cycle collector frees it; meanwhile each holds its
  Agg canvas, ~5 MB of pixels outside Python's view (120 results in a row grew a process from 155 to 316 MB).

The drawing process is a Python running `bot.drawing.main`, started on the first chart or by `start()`, fed pickled
calls on its stdin and answering on its stdout. (Not multiprocessing: its spawn and forkserver methods import the
caller's main module again in the child, and fork would copy the bot with its threads and connections.) It ends when
the bot's end of the pipe closes, also when the bot was killed; if it dies, the next chart starts another. Warnings
and log records from the drawing come back and meet the caller's filters and handlers as if drawn here, and the
renderer's exceptions are raised in the caller.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import importlib
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Callable, Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
_HEADER = struct.Struct(">I")
_here = False  # True in the drawing process: a renderer drawing another draws it right there


def _send(stream: BinaryIO, message: object) -> None:
    _write(stream, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _write(stream: BinaryIO, data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other end closed the pipe")
    size, = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other end closed the pipe")
    return pickle.loads(data)


class DrawingStopped(RuntimeError):
    """The drawing process ended twice in a row while drawing one chart."""


class _Drawer:
    """The bot's end: one drawing process, one chart at a time (callers wait on the lock, in their own threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None

    def _started(self) -> subprocess.Popen:
        if self.process is not None and self.process.poll() is not None:
            self._ended()
        if self.process is None:
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
            self.process = subprocess.Popen([sys.executable, "-c", "from bot.drawing import main; main()"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT)
            log.debug("drawing process %s started", self.process.pid)
        return self.process

    def _ended(self) -> None:
        process, self.process = self.process, None
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):  # what was left unwritten cannot be written any more
                pipe.close()
        log.warning("the drawing process %s ended (%s); the next chart starts another", process.pid,
                    process.returncode)

    def start(self) -> int:
        with self.lock:
            return self._started().pid

    def stop(self) -> None:
        with self.lock:
            process, self.process = self.process, None
        if process is not None:
            process.stdin.close()  # the drawing process ends at the end of its input
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()

    def draw(self, module: str, name: str, args: tuple, kwargs: dict) -> object:
        with self.lock:
            for attempt in (1, 2):
                process = self._started()
                try:
                    _send(process.stdin, (module, name, args, kwargs))
                    answer = _receive(process.stdout)
                    break
                except (BrokenPipeError, EOFError):  # it died (killed, out of memory): once more, in a new one
                    self._ended()
                    if attempt == 2:
                        raise DrawingStopped("the drawing process ended while drawing") from None
        ok, result, given, records = answer
        for category, message in given:
            warnings.warn(message, category, stacklevel=3)
        for record in records:
            logging.getLogger(record.name).handle(record)
        if not ok:
            raise result
        return result


_drawer = _Drawer()


def start() -> int:
    """Start the drawing process now (it loads matplotlib and the fonts, ~1 s), so that the first person to ask for
    a chart does not wait for that; its process id."""
    return _drawer.start()


def stop() -> None:
    """End the drawing process; a later chart starts another."""
    _drawer.stop()


# When the bot's interpreter ends, the drawing process is ended in order (its input closed, waited for), not left to
# the garbage collector, which warns of a process still running and pipes left open (a bot in a test's process, the
# terminal chat). A killed bot gets no say: then the drawing process sees its input end and leaves by itself.
atexit.register(stop)


_ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drawing-ahead")  # the drawer takes one at a time


class Ahead(Generic[T]):
    """A drawing begun ahead: call it for the result (it waits, or raises what the drawing raised); `cancel` drops
    it if it has not begun, so that a turn thrown away (run again after StaleState, or failed) does not keep the
    drawing process from other people's charts."""

    def __init__(self, draw: Callable[[], T]) -> None:
        self._future: Future[T] = _ahead.submit(draw)

    def __call__(self) -> T:
        return self._future.result()

    def cancel(self) -> bool:
        return self._future.cancel()


def ahead(draw: Callable[[], T]) -> Ahead[T]:
    """Begin `draw` now, in a thread that waits for the drawing process. A turn hands its chart over as soon as it
    has the figures, so the chart is drawn while the turn finishes and commits and while the replies before it are
    sent; the turn never waits for it."""
    return Ahead(draw)


def image_kind(image: bytes) -> str:
    """The file extension of a drawn image: "jpg" (the competence and team charts) or "png" (the progress chart)."""
    return "jpg" if image.startswith(b"\xff\xd8\xff") else "png"


def drawn_apart(render):
    """Wrap a chart renderer, a module-level function with picklable arguments and result: it is drawn in the
    drawing process, one chart at a time, and freed at once."""

    @functools.wraps(render)
    def drawn(*args, **kwargs):
        if _here:
            return render(*args, **kwargs)
        return _drawer.draw(render.__module__, render.__qualname__, args, kwargs)

    return drawn


# The drawing process.

class _Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)  # as plain text, so that it pickles


def _drawn(module: str, name: str, args: tuple, kwargs: dict) -> bytes:
    """The pickled answer to one request: the result or the exception, the warnings given, the log records made."""
    caught, root = _Caught(), logging.getLogger()
    root.addHandler(caught)
    try:
        with warnings.catch_warnings(record=True) as given:
            warnings.simplefilter("always")
            try:
                ok, result = True, getattr(importlib.import_module(module), name).__wrapped__(*args, **kwargs)
            except Exception as error:  # the caller raises it
                ok, result = False, error
        said = [(w.category, str(w.message)) for w in given], caught.records
        try:
            return pickle.dumps((ok, result, *said), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle (it holds a lock, a socket): its words do
            return pickle.dumps((False, RuntimeError(f"{type(result).__name__}: {result}"), *said),
                                protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        root.removeHandler(caught)
        gc.collect()


def main() -> None:
    global _here
    _here = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the bot, which closes the pipe
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers on the pipe
    from bot.competence.chart import ChartArea, ChartText, render_profile

    # Fonts and matplotlib's caches loaded before the first person waits; then what is left lives as long as the
    # process, set aside from the cycle collector so that the collection after each chart looks at that chart only.
    render_profile([ChartArea("Kompis", 2.0, 3, 1.0)], ChartText("Kompis", "a", "b", "c", "d", ("1", "2", "3", "4")))
    gc.collect()
    gc.freeze()
    while True:
        try:
            request = _receive(requests)
        except EOFError:
            return
        _write(answers, _drawn(*request))

