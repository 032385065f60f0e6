"""A real PostgreSQL streaming replica on this machine, for the replica tests and `make faults`.

    python -m bench.standby create        # pg_basebackup -R of the primary, started as a hot standby
    python -m bench.standby stop | start | status | destroy
    python -m bench.standby delay SECONDS # recovery_min_apply_delay: a replica lagging on purpose
    python -m bench.standby url [DBNAME]  # the URL for DATABASE_REPLICA_URLS

The primary is DATABASE_URL's server (default 127.0.0.1:5432, user postgres); the standby
lives in GOVPORTAL_STANDBY_DIR (default /var/tmp/govportal-standby) and listens on
GOVPORTAL_STANDBY_PORT (default 5433). `create` first lets the primary accept replication
connections from 127.0.0.1 (a pg_hba.conf line, then a reload) when it does not yet. The
standby replicates the whole cluster: a database created on the primary (a test database)
appears on it. PostgreSQL's programs refuse to run as root: as root they run as `postgres`.

`Postgres` is also a server of our own from initdb (`make faults` restarts its primary under
load without disturbing anyone else's database)."""

import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from core.db_router import PRIMARY_POSITION_SQL

DEFAULT_DIR = "/var/tmp/govportal-standby"
DEFAULT_PORT = 5433
APPLICATION_NAME = "govportal_standby"
# A standby must allow at least as much as its primary of these (or it refuses to start).
AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
HBA = """# Written by bench/standby.py: trust from this machine only.
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


class PostgresError(RuntimeError):
    pass


def bin_dir(major=None) -> Path:
    """Debian keeps each major version's programs in /usr/lib/postgresql/<major>/bin."""
    override = os.environ.get("PG_BIN")
    if override:
        return Path(override)
    root = Path("/usr/lib/postgresql")
    if major is not None and (root / str(major) / "bin").is_dir():
        return root / str(major) / "bin"
    versions = sorted((p for p in root.glob("*/bin") if p.parent.name.isdigit()), key=lambda p: int(p.parent.name))
    if versions:
        return versions[-1]
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise PostgresError("no PostgreSQL programs found (set PG_BIN to the directory holding pg_ctl)")


def _owner():
    """Who runs the server: `postgres` when we are root (PostgreSQL refuses root), else us."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    return None, os.geteuid(), os.getegid()


def query(dsn, sql, params=None):
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


class Postgres:
    """A server whose data directory is `directory`/data, on 127.0.0.1:`port`."""

    def __init__(self, directory, port, *, major=None):
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = int(port)
        self.bin = bin_dir(major)

    # --- running programs as the server's owner ----------------------------------------

    def run(self, program, *args, check=True, timeout=600):
        user, _, _ = _owner()
        command = [str(self.bin / program), *map(str, args)]
        if user:
            command = ["runuser", "-u", user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode:
            raise PostgresError(f"{program} failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
        return result

    def _own(self, path):
        _, uid, gid = _owner()
        if os.geteuid() == 0:
            os.chown(path, uid, gid)

    def _write(self, path, text):
        Path(path).write_text(text)
        self._own(path)

    def _make_directory(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        self._own(self.directory)

    # --- control ------------------------------------------------------------------------

    def dsn(self, dbname="postgres"):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def running(self) -> bool:
        return self.data.is_dir() and self.run("pg_ctl", "status", "-D", self.data, check=False).returncode == 0

    def start(self):
        if not self.running():
            self.run("pg_ctl", "start", "-D", self.data, "-l", self.log, "-w", "-t", "120")
        self.wait_ready()

    def stop(self, mode="fast"):
        if self.running():
            self.run("pg_ctl", "stop", "-D", self.data, "-m", mode, "-w", "-t", "120")

    def restart(self, mode="fast"):
        self.run("pg_ctl", "restart", "-D", self.data, "-l", self.log, "-m", mode, "-w", "-t", "120")
        self.wait_ready()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                query(self.dsn(), "SELECT 1")
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresError(f"the server on port {self.port} does not answer: {error}") from None
                time.sleep(0.1)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def query(self, sql, params=None, dbname="postgres"):
        return query(self.dsn(dbname), sql, params)

    def _config(self, extra):
        return "\n".join(
            [
                "# Written by bench/standby.py.",
                f"port = {self.port}",
                "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{self.directory}'",
                "shared_buffers = 32MB",
                # A scratch server: losing it to a power cut costs nothing.
                "fsync = off",
                "log_min_messages = warning",
                *extra,
                "",
            ]
        )

    def initdb(self, extra=()):
        """A new, empty primary of our own (make faults)."""
        self.destroy()
        self._make_directory()
        self.run(
            "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"
        )
        self._write(
            self.data / "postgresql.conf", self._config(["wal_level = replica", "max_wal_senders = 10", *extra])
        )
        self._write(self.data / "pg_hba.conf", HBA)
        self.start()


class Standby(Postgres):
    """A hot standby of `primary_dsn`'s cluster, made with pg_basebackup -R."""

    def __init__(self, directory=None, port=None, *, primary_dsn=None):
        self.primary_dsn = primary_dsn or primary_from_environment()
        version = int(query(self.primary_dsn, "SHOW server_version_num")[0][0])
        super().__init__(
            directory or os.environ.get("GOVPORTAL_STANDBY_DIR", DEFAULT_DIR),
            port or os.environ.get("GOVPORTAL_STANDBY_PORT", DEFAULT_PORT),
            major=version // 10000,
        )

    def create(self):
        allow_replication(self.primary_dsn)
        self.destroy()
        self._make_directory()
        primary = conninfo_to_dict(self.primary_dsn)
        source = make_conninfo(
            host=primary.get("host", "127.0.0.1"),
            port=primary.get("port", "5432"),
            user=primary.get("user", "postgres"),
            application_name=APPLICATION_NAME,
        )
        # -R: standby.signal and primary_conninfo; -X stream: the WAL written meanwhile too.
        self.run("pg_basebackup", "-d", source, "-D", self.data, "-R", "-X", "stream", "-c", "fast", "--no-sync")
        settings = dict(
            query(
                self.primary_dsn, "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(AT_LEAST_PRIMARY)]
            )
        )
        # Debian keeps the primary's configuration outside its data directory: the copy has
        # none, so the standby gets its own. delay.conf holds recovery_min_apply_delay.
        self._write(
            self.data / "postgresql.conf",
            self._config(
                [
                    "hot_standby = on",
                    *(f"{name} = {value}" for name, value in sorted(settings.items())),
                    "include_if_exists = 'delay.conf'",
                ]
            ),
        )
        self._write(self.data / "pg_hba.conf", HBA)
        self._write(self.data / "pg_ident.conf", "")
        self.start()

    def start(self):
        super().start()
        self.wait_streaming()

    def wait_streaming(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            status = self.query("SELECT status FROM pg_stat_wal_receiver")
            if status and status[0][0] == "streaming":
                return
            if time.monotonic() > deadline:
                raise PostgresError(
                    f"the standby on port {self.port} is not streaming from the primary "
                    f"(WAL it needs may be gone: run `make standby` again); see {self.log}"
                )
            time.sleep(0.1)

    def set_delay(self, seconds):
        """Apply each commit no sooner than `seconds` after the primary made it."""
        milliseconds = int(seconds * 1000)
        self._write(self.data / "delay.conf", f"recovery_min_apply_delay = '{milliseconds}ms'\n")
        self.query("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 10
        while self.query("SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'")[0][0] != str(
            milliseconds
        ):
            if time.monotonic() > deadline:
                raise PostgresError("the standby did not take the new delay")
            time.sleep(0.05)

    def delay(self) -> float:
        return int(self.query("SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'")[0][0]) / 1000

    def primary_position(self) -> int:
        return int(query(self.primary_dsn, PRIMARY_POSITION_SQL)[0][0])

    def replayed(self) -> int:
        return int(self.query("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")[0][0])

    def wait_caught_up(self, timeout=60):
        """Until the standby has replayed everything the primary had written when called."""
        target = self.primary_position()
        deadline = time.monotonic() + timeout
        while self.replayed() < target:
            if time.monotonic() > deadline:
                raise PostgresError(f"the standby did not catch up within {timeout} s")
            time.sleep(0.05)

    def status(self) -> dict:
        if not self.running():
            return {"running": False, "port": self.port, "directory": str(self.directory)}
        return {
            "running": True,
            "port": self.port,
            "directory": str(self.directory),
            "in_recovery": self.query("SELECT pg_is_in_recovery()")[0][0],
            "receiver": (self.query("SELECT status FROM pg_stat_wal_receiver") or [[None]])[0][0],
            "delay_seconds": self.delay(),
            "behind_bytes": max(0, self.primary_position() - self.replayed()),
        }


def primary_from_environment() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url) if url.startswith("postgres") else urlsplit("postgres://postgres@127.0.0.1:5432/postgres")
    return make_conninfo(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        dbname="postgres",
    )


def allow_replication(primary_dsn):
    """Let the primary accept replication connections from 127.0.0.1 (trust, like the rest of
    this machine's pg_hba.conf) when it does not yet, and check it can stream WAL at all."""
    settings = dict(
        query(primary_dsn, "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders')")
    )
    if settings["wal_level"] == "minimal" or int(settings["max_wal_senders"]) == 0:
        raise PostgresError(
            f"the primary cannot stream WAL (wal_level={settings['wal_level']}, max_wal_senders="
            f"{settings['max_wal_senders']}): set wal_level = replica and max_wal_senders = 10, then restart it"
        )
    if _replication_allowed(primary_dsn):
        return
    hba_file = query(primary_dsn, "SHOW hba_file")[0][0]
    with open(hba_file, "a") as handle:
        handle.write(
            "\n# Streaming replication from this machine (govportal: make standby)\nhost replication all 127.0.0.1/32 trust\n"
        )
    query(primary_dsn, "SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10
    while not _replication_allowed(primary_dsn):
        if time.monotonic() > deadline:
            raise PostgresError(f"added a replication line to {hba_file}, but the primary still refuses replication")
        time.sleep(0.1)


def _replication_allowed(primary_dsn) -> bool:
    try:
        with psycopg.connect(primary_dsn, replication="true", connect_timeout=5):
            return True
    except psycopg.OperationalError as error:
        if "pg_hba.conf" in str(error):
            return False
        raise


def main(argv):
    command = argv[0] if argv else "status"
    standby = Standby()
    if command == "create":
        standby.create()
        print(f"standby of {standby.primary_dsn} streaming on port {standby.port} ({standby.data})")
        print(f"DATABASE_REPLICA_URLS={standby.url('<database>')}")
    elif command == "start":
        standby.start()
    elif command == "stop":
        standby.stop()
    elif command == "delay":
        standby.set_delay(float(argv[1]))
    elif command == "destroy":
        standby.destroy()
    elif command == "url":
        print(standby.url(argv[1] if len(argv) > 1 else "govportal"))
    elif command == "status":
        print(standby.status())
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
