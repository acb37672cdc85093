"""Run a LocalBotApi on its own event loop in a background thread.

Tests and tools that are synchronous (pytest without an asyncio plugin, a
CLI that also drives PTB with ``asyncio.run``) need the server to keep
serving while their own code blocks; a private loop in a daemon thread
gives exactly that.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from .limits import Limits
from .server import LocalBotApi

T = TypeVar("T")


async def cancel_the_rest() -> None:
    """What `asyncio.run` does before closing its loop. A handler whose client went away while it was held (a
    fault's delay; the bot killed or timed out meanwhile) is no longer the server's to end, and left pending on
    the closed loop it would be destroyed at some later garbage collection, with asyncio's "Task was destroyed
    but it is pending!" in the log of whatever runs then."""
    rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


class ThreadedLocalBotApi:
    """``with ThreadedLocalBotApi() as server: ... server.base_url ...``"""

    def __init__(self, limits: Limits | None = None, **kwargs: Any):
        self.api = LocalBotApi(limits, **kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="localapi", daemon=True)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> ThreadedLocalBotApi:
        self._thread.start()
        self.run(self.api.start(host, port))
        return self

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the server's loop (e.g. to touch state) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.run(self.api.stop())
            self.run(cancel_the_rest())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():
                self._loop.close()

    @property
    def port(self) -> int:
        return self.api.port

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def base_file_url(self) -> str:
        return self.api.base_file_url

    @property
    def root_url(self) -> str:
        return self.api.root_url

    def __enter__(self) -> ThreadedLocalBotApi:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
