"""A private PostgreSQL 15 primary and its streaming replica, from Debian's binaries, in a temporary folder.

Both listen on free ports of 127.0.0.1 (never the machine's own PostgreSQL on 5432): `initdb` for the primary (with
pg_stat_statements), `pg_basebackup -R` for the replica, `pg_ctl` to start and stop either. Used by the pytest
fixture `streaming_cluster` (ops/tests/test_replicas.py) and by `make test-cluster` (scripts/cluster.py).
As root the servers run as the `postgres` account (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(os.environ.get("PG15_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return all((BIN / name).exists() for name in ("initdb", "pg_basebackup", "pg_ctl", "postgres"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StreamingCluster:
    """`start()` brings up the primary and its replica; `stop_replica()` kills the replica (immediate shutdown, as a
    crash); `close()` removes everything. URLs: `primary_url(db)`, `replica_url(db)`."""

    def __init__(self, *, listen: str = "127.0.0.1") -> None:
        self.listen = listen
        self.root = Path(tempfile.mkdtemp(prefix="wangqian-pg15-"))
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.primary_dir, self.replica_dir = self.root / "primary", self.root / "replica"

    @classmethod
    def attach(cls, root: Path, primary_port: int, replica_port: int) -> StreamingCluster:
        """The cluster another process started (its folder and ports), to stop or restart its replica."""
        cluster = cls.__new__(cls)
        cluster.listen, cluster.root = "127.0.0.1", root
        cluster.primary_port, cluster.replica_port = primary_port, replica_port
        cluster.user = "postgres" if os.geteuid() == 0 else None
        cluster.primary_dir, cluster.replica_dir = root / "primary", root / "replica"
        return cluster

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            check=True,
            user=self.user,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )

    def start(self) -> StreamingCluster:
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with (self.primary_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '{self.listen}'\n"
                f"unix_socket_directories = '{self.root}'\n"
                "max_connections = 200\n"
                "shared_preload_libraries = 'pg_stat_statements'\n"
                "fsync = off\nfull_page_writes = off\n"
                "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
            )
        with (self.primary_dir / "pg_hba.conf").open("a") as hba:  # the cluster's namespaces reach it too
            hba.write("host all all 0.0.0.0/0 trust\nhost replication all 0.0.0.0/0 trust\n")
        self._pg_ctl(self.primary_dir, self.primary_port, "start")
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
            *("-D", str(self.replica_dir), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        )
        self.start_replica()
        return self

    def _pg_ctl(self, data: Path, port: int, command: str, *extra: str) -> None:
        if command == "start":
            self._run("pg_ctl", "-D", str(data), "-l", str(data.with_suffix(".log")), "-o", f"-p {port}", "-w", "start")
        else:
            self._run("pg_ctl", "-D", str(data), "-w", command, *extra)

    def start_replica(self) -> None:
        self._pg_ctl(self.replica_dir, self.replica_port, "start")

    def stop_replica(self) -> None:
        """The replica dies at once (`-m immediate`: no shutdown checkpoint, connections cut)."""
        self._pg_ctl(self.replica_dir, self.replica_port, "stop", "-m", "immediate")

    def url(self, port: int, database: str, host: str | None = None) -> str:
        return f"postgres://postgres@{host or '127.0.0.1'}:{port}/{database}"

    def primary_url(self, database: str = "postgres", host: str | None = None) -> str:
        return self.url(self.primary_port, database, host)

    def replica_url(self, database: str = "postgres", host: str | None = None) -> str:
        return self.url(self.replica_port, database, host)

    def sql(self, port: int, query: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(port, database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query)  # type: ignore[arg-type]  # our own fixed statements
            return cursor.fetchall() if cursor.description else []

    def wait_replayed(self, database: str = "postgres", timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        (target,) = self.sql(self.primary_port, "SELECT pg_current_wal_insert_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.sql(self.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", database)[0]
            if done:
                return
            time.sleep(0.1)
        raise RuntimeError("the replica did not catch up")

    def close(self) -> None:
        for data in (self.replica_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    self._pg_ctl(data, 0, "stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)
