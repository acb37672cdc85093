"""A throw-away PostgreSQL server for the tests, started from the binaries on the machine.

`initdb` and `postgres` refuse to run as root, so as root the server runs as an unprivileged account
(`postgres` when the package created it, else `nobody`) over a data directory it owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    candidates = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(os.path.realpath(found)).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    account: str | None

    @property
    def url(self) -> str:
        return f"postgresql://kompis@127.0.0.1:{self.port}/kompis"

    def url_for(self, database: str) -> str:
        return f"postgresql://kompis@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.account:
            command = ["runuser", "-u", self.account, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    @classmethod
    def start(cls) -> "PostgresServer":
        bin_dir = find_binaries()
        if bin_dir is None:
            raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine")
        account = None
        if os.geteuid() == 0:
            account = "postgres" if _has_account("postgres") else "nobody"
        root = Path(tempfile.mkdtemp(prefix="kompis-pg-"))
        os.chmod(root, 0o755)
        server = cls(bin_dir=bin_dir, root=root, port=_free_port(), account=account)
        if account:
            entry = pwd.getpwnam(account)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server._run("initdb", "-D", str(root / "data"), "-U", "kompis", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")
        options = f"-p {server.port} -k {root} -h 127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200"
        server._run("pg_ctl", "-D", str(root / "data"), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start")
        server.create_database("kompis")
        return server

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (named, or numbered); returns its URL."""
        import psycopg

        if name is None:
            self._created = getattr(self, "_created", 0) + 1
            name = f"kompis_test_{self._created}"

        with psycopg.connect(self.url_for("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop", check=False)
        for _ in range(50):
            if not (self.root / "data" / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
