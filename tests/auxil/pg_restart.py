"""A throw-away PostgreSQL server that can be taken down and brought back on the same data directory and port,
as an operator's restart or a crash of the database host would do, for the fault tests.

`PostgresServer.stop()` (tests/auxil/postgres.py) deletes the data, and its `restart()` is a restart without a
gap that, as written, hangs: `pg_ctl restart` without `-l` leaves the new postmaster writing to the pipe that
`subprocess.run(capture_output=True)` waits to see closed, so the call only ends at its 120 s timeout. The fault
tests need the database *down* for a while (a person writes meanwhile), so stopping and starting are separate
here, and the start logs to the server's log file. The server is a test's own: restarting the session's shared
`pg_server` would pull the floor from under every other test's connections.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from tests.auxil.postgres import PostgresServer


class RestartablePostgres(PostgresServer):
    """`PostgresServer.start()` gives one of these (a classmethod on the subclass); plus `down()` and `up()`."""

    def _options(self) -> str:
        # the same options PostgresServer.start() used: same port, same socket folder, same limits
        return (f"-p {self.port} -k {self.root} -h 127.0.0.1 -c fsync=off -c full_page_writes=off "
                f"-c max_connections=200")

    def down(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data: `fast` ends every session and checkpoints (an operator's restart),
        `immediate` ends at once with no checkpoint (as a crash: the next start recovers from the WAL)."""
        assert mode in ("smart", "fast", "immediate")
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "-t", "60", "stop")
        assert not self.accepts(), "PostgreSQL still answers after stop"

    def up(self) -> None:
        """Start it again on the same data directory and the same port; returns once it accepts queries."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", self._options(), "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")
        deadline = time.monotonic() + 60
        while not self.accepts():
            if time.monotonic() > deadline:
                raise AssertionError(f"PostgreSQL did not come back on port {self.port}")
            time.sleep(0.1)

    @contextmanager
    def stopped(self, mode: str = "fast") -> Iterator[None]:
        """`with server.stopped(): …` — down for the block, up again afterwards (also when the block fails)."""
        self.down(mode)
        try:
            yield
        finally:
            self.up()

    def accepts(self) -> bool:
        """Whether a query gets an answer now."""
        import psycopg

        try:
            with psycopg.connect(self.url_for("postgres"), connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False
