"""A throwaway PostgreSQL cluster for tests, from the Debian server binaries.

``postgres_cluster()`` runs ``initdb`` and ``pg_ctl`` in a temporary directory, listening on
127.0.0.1 at a free port (and a unix socket in the same directory), and stops the server and
removes the directory afterwards. PostgreSQL refuses to run as root, so as root the binaries run
as the ``postgres`` user (``runuser``) on a directory owned by it.

Missing binaries: under ``CI=true`` the caller fails the test run; elsewhere it skips.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["create_database", "drop_database", "find_bindir", "postgres_cluster"]


def find_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], *, as_user: str | None, timeout: float) -> None:
    if as_user is not None:
        cmd = ["runuser", "-u", as_user, "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yield a SQLAlchemy URL (``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``)."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    # A RAM-backed directory when there is one: creating and dropping databases is much faster.
    shm = Path("/dev/shm")
    base = (
        str(shm) if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2**31 else None
    )
    root = Path(tempfile.mkdtemp(prefix="didkit-pg-", dir=base))
    as_user: str | None = None
    if os.geteuid() == 0:
        as_user = "postgres"
        pw = pwd.getpwnam(as_user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    data = root / "data"
    port = _free_port()
    started = False
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            as_user=as_user,
            timeout=120,
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            as_user=as_user,
            timeout=90,
        )
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            with contextlib.suppress(Exception):
                _run(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"],
                    as_user=as_user,
                    timeout=60,
                )
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, *, template: str | None = None) -> str:
    """A fresh database on the cluster (empty, or a copy of the database URL ``template``)."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    sql = f'CREATE DATABASE "{name}"'  # names are ours: hex only
    if template is not None:
        sql += f' TEMPLATE "{template.rsplit("/", 1)[1]}"'
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(sql)
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    """Drop a database made by :func:`create_database` (closing its other connections)."""
    import psycopg

    server, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
