"""The scale-out topology on one machine, all Debian packages on loopback ports.

::

    HAProxy :58000 ──► uvicorn :58001  :58002  :58003   (ASGI, WebSockets through it)
                            │  channel layer + cache: Redis :56379
                            ▼
                       PgBouncer :56432 (transaction mode) ──► PostgreSQL primary :55432
                                                                     │ streaming (pg_basebackup -R)
       read-only selectors (dashboards, reports, public reads) ──► replica :55433
    task workers × 2 (learning_platform.task_worker: heartbeat, orphaned tasks re-queued)

Usage::

    .venv/bin/python benchmarks/cluster.py up [--asgi 3] [--workers 2] [--dir /tmp/lp-cluster]
    .venv/bin/python benchmarks/cluster.py status
    .venv/bin/python benchmarks/cluster.py env        # the settings, to `eval` in a shell
    .venv/bin/python benchmarks/cluster.py down

``up`` makes two PostgreSQL clusters with ``initdb`` (the primary) and ``pg_basebackup -R``
(the replica) under ``--dir``, a Redis server of its own, PgBouncer and HAProxy, migrates,
loads the benchmark item bank (``benchmarks/_harness.py``), then starts the ASGI
processes and the workers. Every process gets its settings from the environment only,
as in production (``cluster.py env`` prints them). ``down`` stops everything and
deletes ``--dir``. The shared PostgreSQL on 5432 and Redis on 6379 are never touched.

PgBouncer refuses to run as root and PostgreSQL too: as root they run as ``postgres``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DEFAULT_DIR = Path(os.environ.get("LP_CLUSTER_DIR", "/tmp/lp-cluster"))
DB = "lp"

PORTS = {
    "primary": 55432,
    "replica": 55433,
    "pgbouncer": 56432,
    "redis": 56379,
    "haproxy": 58000,
    "stats": 58404,
    "asgi": 58001,
}


# ------------------------------------------------------------------------- helpers


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(
    port: int, what: str, seconds: float = 60, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                f"{what} exited with {proc.returncode} before listening on {port}"
            )
        time.sleep(0.1)
    raise RuntimeError(
        f"{what} did not listen on 127.0.0.1:{port} within {seconds:g} s"
    )


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return result


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (killed, not yet reaped by its parent) is not alive
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


# ----------------------------------------------------------------------- PostgreSQL


def pg_ctl(
    datadir: Path, action: str, port: int | None = None, mode: str = "fast"
) -> None:
    cmd = [
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(datadir),
        "-w",
        "-t",
        "60",
        "-l",
        str(datadir.parent / f"{datadir.name}.log"),
    ]
    if action == "start":
        cmd += ["-o", f"-p {port} -k {datadir.parent}", "start"]
    else:
        cmd += ["-m", mode, action]
    run(as_postgres(cmd))


def pg_primary_init(
    datadir: Path, port: int, *, fast: bool = False, max_connections: int = 200
) -> None:
    """``initdb`` a primary with trust on loopback (replication included) and start it."""
    datadir.parent.mkdir(parents=True, exist_ok=True)
    give_to_postgres(datadir.parent)
    run(
        as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
    )
    conf = [
        "listen_addresses = '127.0.0.1'",
        f"max_connections = {max_connections}",
        "wal_level = replica",
        "max_wal_senders = 5",
        "hot_standby = on",
        "shared_buffers = 128MB",
        # a standby's long report query is not cancelled by the primary's vacuum
        "hot_standby_feedback = on",
    ]
    if fast:  # test fixtures: durability is not what they test
        conf += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    with open(datadir / "postgresql.conf", "a") as f:
        f.write("\n# benchmarks/cluster.py\n" + "\n".join(conf) + "\n")
    pg_ctl(datadir, "start", port)


def pg_replica_init(datadir: Path, port: int, primary_port: int) -> None:
    """``pg_basebackup -R`` from the primary into ``datadir`` and start it as a standby."""
    run(
        as_postgres(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary_port),
                "-U",
                "postgres",
                "-D",
                str(datadir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ]
        )
    )
    pg_ctl(datadir, "start", port)


def pg_sql(port: int, sql: str, db: str = "postgres") -> str:
    return run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            db,
            "-Atqc",
            sql,
        ]
    ).stdout.strip()


def pg_pair_up(
    base: Path,
    primary_port: int,
    replica_port: int,
    *,
    fast: bool = False,
    databases: tuple[str, ...] = (),
) -> dict:
    """A primary and a streaming replica under ``base``; ``databases`` created on the primary."""
    base.mkdir(parents=True, exist_ok=True)
    pg_primary_init(base / "primary", primary_port, fast=fast)
    for name in databases:
        pg_sql(primary_port, f'CREATE DATABASE "{name}"')
    pg_replica_init(base / "replica", replica_port, primary_port)
    return {
        "base": str(base),
        "primary_port": primary_port,
        "replica_port": replica_port,
    }


def pg_pair_down(base: Path) -> None:
    for name in ("replica", "primary"):
        datadir = base / name
        if (datadir / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                pg_ctl(
                    datadir, "stop", mode="immediate" if name == "replica" else "fast"
                )


def replica_caught_up(replica_port: int, db: str = "postgres") -> bool:
    return (
        pg_sql(
            replica_port,
            "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()",
            db,
        )
        == "t"
    )


# ---------------------------------------------------------------- Redis, PgBouncer, HAProxy


def redis_up(base: Path, port: int) -> None:
    run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--dir",
            str(base),
            "--pidfile",
            str(base / "redis.pid"),
            "--logfile",
            str(base / "redis.log"),
        ]
    )
    wait_port(port, "redis-server", 10)


def pgbouncer_up(base: Path, port: int, primary_port: int, pool_size: int = 40) -> None:
    """PgBouncer in transaction mode in front of the primary."""
    (base / "userlist.txt").write_text('"postgres" ""\n')
    (base / "pgbouncer.ini").write_text(f"""[databases]
{DB} = host=127.0.0.1 port={primary_port} dbname={DB}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {base}/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 2000
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {base}/pgbouncer.log
pidfile = {base}/pgbouncer.pid
""")
    for name in ("userlist.txt", "pgbouncer.ini"):
        give_to_postgres(base / name)
    run(as_postgres(["pgbouncer", "-d", str(base / "pgbouncer.ini")]))
    wait_port(port, "pgbouncer", 10)


def haproxy_config(
    port: int,
    backends: list[int],
    stats_port: int | None = None,
    socket_path: Path | None = None,
) -> str:
    """HAProxy in front of the ASGI processes: least connections, WebSocket tunnels, checks.

    A process that dies is out of rotation after three failed checks 1 s apart; a new
    connection that meets it meanwhile (refused) is redispatched to another process. A
    check may take 5 s, and a process marked down keeps its live connections: on a
    loaded machine a slow health answer must not cut the WebSockets of a live process.
    """
    servers = "\n".join(
        f"    server asgi{k + 1} 127.0.0.1:{p} check" for k, p in enumerate(backends)
    )
    stats = (
        f"\nlisten stats\n    bind 127.0.0.1:{stats_port}\n    stats enable\n"
        f"    stats uri /\n"
        if stats_port
        else ""
    )
    admin = (
        f"\n    stats socket {socket_path} mode 600 level admin" if socket_path else ""
    )
    return f"""global
    maxconn 4000{admin}

defaults
    mode http
    option http-server-close
    timeout connect 2s
    timeout client 65s
    timeout server 65s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    timeout queue 30s
    retries 3
    option redispatch 1

frontend web
    bind 127.0.0.1:{port}
    default_backend asgi

backend asgi
    balance leastconn
    option httpchk
    http-check send meth GET uri /api/v1/system/health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    timeout check 5s
    default-server inter 1s fall 3 rise 2
{servers}
{stats}"""


def haproxy_up(
    base: Path, port: int, backends: list[int], stats_port: int | None = None
) -> None:
    cfg = base / "haproxy.cfg"
    cfg.write_text(haproxy_config(port, backends, stats_port, base / "haproxy.sock"))
    run(["haproxy", "-c", "-q", "-f", str(cfg)])
    run(["haproxy", "-D", "-f", str(cfg), "-p", str(base / "haproxy.pid")])
    wait_port(port, "haproxy", 10)


def haproxy_command(base: Path, command: str) -> str:
    """One command on HAProxy's runtime API (e.g. ``set server asgi/asgi2 state maint``)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(base / "haproxy.sock"))
        s.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def haproxy_restart(base: Path, state: dict) -> None:
    """Start HAProxy again with this file's configuration (the old one is stopped)."""
    _kill_pidfile(base / "haproxy.pid")
    deadline = time.monotonic() + 10
    while port_open(state["ports"]["haproxy"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    asgi = [int(p) for p in state["asgi"]]
    haproxy_up(base, state["ports"]["haproxy"], asgi, state["ports"]["stats"])


# ------------------------------------------------------------------- the application


def app_env(
    ports: dict, *, replica: bool = True, extra: dict | None = None
) -> dict[str, str]:
    """The application's settings: through PgBouncer, the replica beside it, Redis."""
    env = {
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
        "SECRET_KEY": "cluster-benchmark-not-secret",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports['pgbouncer']}/{DB}",
        # PgBouncer pools: no pool of our own; cursors must end with their transaction.
        "DATABASE_POOL": "0",
        "DISABLE_SERVER_SIDE_CURSORS": "1",
        "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "TASK_WORKER_LEASE_SECONDS": "6",
        "LOG_LEVEL": "WARNING",
    }
    if replica:
        env.update(
            {
                "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{ports['replica']}/{DB}",
                "DATABASE_REPLICA_MAX_LAG": "5",
                "DATABASE_REPLICA_CHECK_SECONDS": "1",
            }
        )
    env.update(extra or {})
    return env


def asgi_start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """One uvicorn process (one worker) serving the application, in a session of its own."""
    cmd = [
        PY,
        "-m",
        "uvicorn",
        "learning_platform.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--lifespan",
        "off",
        "--ws",
        "websockets-sansio",
    ]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_port(port, f"uvicorn on {port}", 60, proc)
    return proc


def worker_start(env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [
        PY,
        "-m",
        "learning_platform.task_worker",
        "--queue-name",
        "*",
        "--no-reload",
        "--interval",
        "0.2",
        "--no-startup-delay",
        "-v",
        "1",
    ]
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def state_path(base: Path) -> Path:
    return base / "state.json"


def load_state(base: Path) -> dict:
    path = state_path(base)
    if not path.exists():
        raise SystemExit(f"no cluster under {base} (run: benchmarks/cluster.py up)")
    return json.loads(path.read_text())


def save_state(base: Path, state: dict) -> None:
    state_path(base).write_text(json.dumps(state, indent=1))


def up(base: Path, *, n_asgi: int = 3, n_workers: int = 2, items: int = 300) -> dict:
    if state_path(base).exists():
        raise SystemExit(
            f"a cluster is already up under {base} (benchmarks/cluster.py down)"
        )
    ports = dict(PORTS)
    ports["asgi"] = [PORTS["asgi"] + k for k in range(n_asgi)]
    busy = [
        p
        for p in [
            ports["primary"],
            ports["replica"],
            ports["pgbouncer"],
            ports["redis"],
            ports["haproxy"],
            ports["stats"],
            *ports["asgi"],
        ]
        if port_open(p)
    ]
    if busy:
        raise SystemExit(f"ports already in use on 127.0.0.1: {busy}")
    base.mkdir(parents=True, exist_ok=True)
    give_to_postgres(base)
    state: dict = {"dir": str(base), "ports": ports, "asgi": {}, "workers": []}
    save_state(base, state)
    t0 = time.monotonic()
    step = lambda what: print(f"[{time.monotonic() - t0:5.1f} s] {what}", flush=True)  # noqa: E731
    pg_pair_up(base / "pg", ports["primary"], ports["replica"], databases=(DB,))
    step(
        f"PostgreSQL primary :{ports['primary']} and streaming replica :{ports['replica']}"
    )
    redis_up(base, ports["redis"])
    step(f"Redis :{ports['redis']}")
    pgbouncer_up(base, ports["pgbouncer"], ports["primary"])
    step(f"PgBouncer (transaction mode) :{ports['pgbouncer']}")
    direct = app_env(
        ports,
        extra={
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports['primary']}/{DB}"
        },
    )
    run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **direct},
    )
    step("migrated (directly on the primary)")
    run(
        [
            PY,
            "-c",
            f"import django; django.setup(); from benchmarks._harness import build_bank; "
            f"build_bank({items})",
        ],
        cwd=ROOT,
        env={**os.environ, **direct},
    )
    step(f"benchmark item bank ({items} items), instrument and campaign")
    run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **direct},
    )
    step("collectstatic (the manifest that production pages need)")
    env = app_env(ports)
    for port in ports["asgi"]:
        proc = asgi_start(port, env, base / f"asgi-{port}.log")
        state["asgi"][str(port)] = proc.pid
        save_state(base, state)
    step(f"uvicorn × {n_asgi} on {ports['asgi']}")
    haproxy_up(base, ports["haproxy"], ports["asgi"], ports["stats"])
    step(f"HAProxy :{ports['haproxy']} (stats :{ports['stats']})")
    for k in range(n_workers):
        state["workers"].append(worker_start(env, base / f"worker-{k + 1}.log").pid)
    save_state(base, state)
    step(f"task workers × {n_workers}")
    print(
        f"up: http://127.0.0.1:{ports['haproxy']}/  (settings: benchmarks/cluster.py env)"
    )
    return state


def _kill_pidfile(path: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(path.read_text().split()[0]), signal.SIGTERM)


def _terminate(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def down(base: Path) -> None:
    if not base.exists():
        print(f"nothing under {base}")
        return
    state = (
        json.loads(state_path(base).read_text()) if state_path(base).exists() else {}
    )
    _terminate([*state.get("asgi", {}).values(), *state.get("workers", [])])
    for name in ("haproxy.pid", "pgbouncer.pid", "redis.pid"):
        _kill_pidfile(base / name)
    pg_pair_down(base / "pg")
    time.sleep(0.5)
    shutil.rmtree(base, ignore_errors=True)
    print(f"down: everything under {base} stopped and removed")


def status(base: Path) -> dict:
    state = load_state(base)
    ports = state["ports"]
    rows = [
        ("HAProxy", ports["haproxy"]),
        ("PgBouncer", ports["pgbouncer"]),
        ("PostgreSQL primary", ports["primary"]),
        ("PostgreSQL replica", ports["replica"]),
        ("Redis", ports["redis"]),
    ]
    for name, port in rows:
        print(f"{name:20} :{port:<6} {'up' if port_open(port) else 'DOWN'}")
    for port, pid in state["asgi"].items():
        print(
            f"{'uvicorn':20} :{port:<6} {'up' if port_open(int(port)) else 'DOWN'} (pid {pid})"
        )
    for pid in state["workers"]:
        print(f"{'task worker':20} pid {pid:<6} {'up' if alive(pid) else 'DOWN'}")
    if port_open(ports["replica"]):
        lag = pg_sql(
            ports["replica"],
            "SELECT COALESCE(pg_last_wal_receive_lsn() = "
            "pg_last_wal_replay_lsn(), false)",
        )
        print(f"replica caught up: {lag == 't'}")
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "status", "env"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument(
        "--asgi", type=int, default=3, help="ASGI processes (default 3)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="task workers (default 2)"
    )
    parser.add_argument("--items", type=int, default=300)
    args = parser.parse_args()
    if args.asgi < 1 or args.workers < 0:
        parser.error("--asgi must be at least 1 and --workers at least 0")
    if args.action == "up":
        try:
            up(args.dir, n_asgi=args.asgi, n_workers=args.workers, items=args.items)
        except (Exception, KeyboardInterrupt):
            print("start-up failed; stopping what was started", file=sys.stderr)
            down(args.dir)
            raise
    elif args.action == "down":
        down(args.dir)
    elif args.action == "status":
        status(args.dir)
    else:
        state = load_state(args.dir)
        for key, value in app_env(state["ports"]).items():
            print(f"export {key}={value}")


if __name__ == "__main__":
    main()
