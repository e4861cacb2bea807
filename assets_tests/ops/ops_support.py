"""Helpers for the ops tests: batches, the concurrency workers, system packages, the Dagster
server in a process group, the browser, and a private PostgreSQL cluster.

Everything started here runs in its own process group (or as a child of this process) and
is stopped by its own id; nothing outside the test's own temporary folders is written except
what ``apt-get`` and ``pip`` install when a test needs a package that is missing.
"""

from __future__ import annotations

import contextlib
import glob
import importlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTANCE_YAML = REPO_ROOT / "dagster_home" / "dagster.yaml"
VENV_BIN = Path(sys.executable).parent
LOCATION = "safety_assets.definitions"     # workspace.yaml's python_module entry
REPOSITORY = "__repository__"              # what a Definitions object is called
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}   # one process per run: faster

# ------------------------------------------------------------------------------- batches


def prompt_rows(prefix: str, n: int) -> list[dict[str, Any]]:
    categories = ["illicit_criminal", "hateful_harmful", "unqualified_advice", "benign"]
    return [{"kind": "prompt", "id": f"{prefix}-{i}", "text": f"{prefix} question {i}?",
             "risk_category": categories[i % 4], "attack_vector": "none",
             "annotator": "ops"} for i in range(n)]


def pair_rows(prompt_ids: list[str]) -> list[dict[str, Any]]:
    return [{"kind": "preference", "prompt_id": pid, "chosen": f"I can't help with {pid}.",
             "rejected": f"Sure, here is {pid}.", "strength": "better", "axis": "safety",
             "chosen_safe": True, "rejected_safe": False, "annotator": "ops"}
            for pid in prompt_ids]


def write_jsonl(path: Path, rows: list[dict[str, Any]], bad_lines: int = 0) -> Path:
    """Rows as JSONL, then ``bad_lines`` lines that intake must quarantine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) for r in rows] + ["{not json"] * bad_lines
    path.write_text("".join(line + "\n" for line in lines))
    return path


@dataclass
class InboxDropper:
    """Annotation files arriving while a test runs: ``count`` files of 10 prompts each (and
    ``bad_lines`` lines that intake must quarantine), one every ``every`` seconds, dropped
    into ``inbox`` from a thread; ``with dropper:`` starts it and always stops it."""

    inbox: Path
    prefix: str
    count: int
    every: float
    bad_lines: int = 0
    dropped: list[list[dict[str, Any]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _drop(self) -> None:
        while not self._stop.is_set() and len(self.dropped) < self.count:
            rows = prompt_rows(f"{self.prefix}{len(self.dropped)}", 10)
            write_jsonl(self.inbox / f"{self.prefix}-{len(self.dropped)}.jsonl", rows,
                        bad_lines=self.bad_lines)
            self.dropped.append(rows)
            self._stop.wait(self.every)

    def __enter__(self) -> InboxDropper:
        self._thread = threading.Thread(target=self._drop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def train_prompt_counts(store: Any) -> dict[str, int]:
    """Train-split prompts per risk category in a warehouse."""
    counts = store.query("SELECT p.risk_category, count(*) n FROM prompts p JOIN "
                         "prompt_splits s ON s.prompt_id = p.id WHERE s.split = 'train' "
                         "GROUP BY 1")
    return dict(zip(counts["risk_category"], counts["n"], strict=True))


def archive_file(source: Path, archive: Path) -> str:
    """Put a batch file where intake finds it without the inbox (as if already archived), so
    that a running inbox sensor has nothing to pick up; returns its batch key."""
    from safety_assets.intake.inbox import archive_batch, batch_key, sha256_of

    key = batch_key(source.name, sha256_of(source))
    archive_batch(source, archive, key)
    return key


# ------------------------------------------------------------- concurrency test workers
# Module-level functions: multiprocessing's spawn start method imports them by name.


def intake_worker(name: str, home: str, warehouse: str, inbox: str, archive: str, key: str,
                  repeats: int, barrier: Any, results: Any) -> None:
    """Materialize one batch partition ``repeats`` times against the shared warehouse."""
    report: dict[str, Any] = {"name": name, "runs": [], "error": None}
    try:
        from dagster import DagsterInstance, materialize

        from safety_assets.defs.intake.intake_assets import raw_annotations, validated_annotations
        from safety_assets.defs.resources import AnnotationInboxResource, WarehouseResource

        resources = {
            "warehouse": WarehouseResource(path=warehouse),
            "inbox": AnnotationInboxResource(path=inbox, archive_path=archive, min_age_seconds=0),
        }
        with DagsterInstance.from_config(home) as instance:
            barrier.wait(timeout=300)
            report["started"] = time.time()
            for _ in range(repeats):
                result = materialize([raw_annotations, validated_annotations],
                                     partition_key=key, resources=resources,
                                     instance=instance, raise_on_error=False)
                failures = [e.message for e in result.all_events if e.is_failure]
                report["runs"].append({"run_id": result.run_id, "success": result.success,
                                       "failures": failures})
            report["finished"] = time.time()
    except BaseException:  # noqa: B036 - the parent must hear about anything at all
        report["error"] = traceback.format_exc()
    results.put(report)


def reader_worker(warehouse: str, stop_file: str, barrier: Any, results: Any,
                  max_seconds: float) -> None:
    """Read the warehouse again and again while the writers run; record what it sees."""
    report: dict[str, Any] = {"name": "reader", "snapshots": [], "error": None}
    try:
        from safety_assets.storage.warehouse import Warehouse

        store = Warehouse(warehouse)
        barrier.wait(timeout=300)
        deadline = time.time() + max_seconds
        while time.time() < deadline:
            done = os.path.exists(stop_file)
            with store.connect() as con:
                prompts = con.sql("SELECT batch_id, count(*), count(DISTINCT id) FROM prompts "
                                  "GROUP BY batch_id").fetchall()
                raw = con.sql("SELECT batch_id, count(*) FROM raw_records "
                              "GROUP BY batch_id").fetchall()
                pairs = con.sql("SELECT batch_id, count(*) FROM preference_pairs "
                                "GROUP BY batch_id").fetchall()
            report["snapshots"].append({
                "prompts": {b: [n, d] for b, n, d in prompts},
                "raw": dict(raw), "pairs": dict(pairs)})
            if done:
                break
            time.sleep(0.02)
    except BaseException:  # noqa: B036
        report["error"] = traceback.format_exc()
    results.put(report)


# ------------------------------------------------------------------- packages and tools

_APT_UPDATED = False


def ensure_apt(packages: list[str], present: Callable[[], bool]) -> None:
    """Install Debian packages unless ``present()`` already holds (CI runs as root)."""
    global _APT_UPDATED
    if present():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"needs {' '.join(packages)}: not installed, and no apt-get as root here")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    if not _APT_UPDATED:
        subprocess.run(["apt-get", *lock, "update", "-q"], env=env, check=False,
                       stdout=subprocess.DEVNULL, timeout=600)
        _APT_UPDATED = True
    done = subprocess.run(["apt-get", *lock, "install", "-y", "-q", "--no-install-recommends",
                           *packages], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not present():
        pytest.fail(f"apt-get install {' '.join(packages)} failed:\n{done.stdout[-3000:]}"
                    f"\n{done.stderr[-3000:]}")


def ensure_pip(module: str, requirements: list[str]) -> None:
    """Import ``module``, installing ``requirements`` with this interpreter's pip if needed
    (the ``dev`` extra normally has them already)."""
    if importlib.util.find_spec(module) is not None:
        return
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *requirements],
                          capture_output=True, text=True, timeout=900)
    importlib.invalidate_caches()
    if done.returncode != 0 or importlib.util.find_spec(module) is None:
        pytest.fail(f"pip install {' '.join(requirements)} failed:\n{done.stderr[-3000:]}")


class StartedService:
    """A service a test runs: ``with service:`` starts it and always stops it, also when the
    start fails half way (a process already spawned, a data folder already made)."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str,
               interval: float = 0.5, alive: Callable[[], None] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None:
            alive()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------- a Dagster server


def dagster_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a Dagster process whose state all lies under ``home``."""
    return {
        **os.environ,
        # Every location resource of the code location lies under its home.
        "DAGSTER_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }


def _own_group_with_default_signals() -> None:
    """In the child before exec: a session (and process group) of its own, and SIGINT and
    SIGTERM at their defaults. A shell that starts jobs in the background leaves SIGINT
    ignored, and dagster dev maps SIGTERM onto SIGINT's handler: it would ignore both."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_group(process: subprocess.Popen, grace: float = 60.0) -> None:
    """Ask the group leader to shut down (dagster dev turns SIGTERM into an orderly stop of
    the webserver, daemon and code server), then kill whatever of its group is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)   # stragglers of our own group only
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One GraphQL request over plain HTTP (for what DagsterGraphQLClient has no method)."""
    request = urllib.request.Request(
        f"{url}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


_LAUNCH_BACKFILL = """mutation($p: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId }
  ... on PythonError { message stack } ... on PartitionSetNotFoundError { message }
  ... on PartitionKeysNotFoundError { message } } }"""
_RUNS = """query($f: RunsFilter) { runsOrError(filter: $f) { __typename
  ... on Runs { results { runId status startTime endTime tags { key value } } }
  ... on PythonError { message } } }"""
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def launch_backfill(url: str, job: str, partitions: list[str], run_config: dict[str, Any],
                    title: str) -> str:
    """A partition backfill of ``job`` through the GraphQL API; returns its id."""
    params = {
        "selector": {"partitionSetName": f"{job}_partition_set",
                     "repositorySelector": {"repositoryName": REPOSITORY,
                                            "repositoryLocationName": LOCATION}},
        "partitionNames": partitions, "runConfigData": run_config, "title": title,
    }
    result = graphql(url, _LAUNCH_BACKFILL, {"p": params})["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def runs_of(url: str, **run_filter: Any) -> list[dict[str, Any]]:
    """The runs matching a GraphQL ``RunsFilter``, their tags as a dict."""
    found = graphql(url, _RUNS, {"f": run_filter})["runsOrError"]
    assert found["__typename"] == "Runs", found
    for run in found["results"]:
        run["tags"] = {tag["key"]: tag["value"] for tag in run["tags"]}
    return found["results"]


def wait_for_partitions(server: DagsterServer, job: str, partitions: list[str],
                        timeout: float) -> list[dict[str, Any]]:
    """Until every partition of ``job`` has a successful run and none is still going
    (retries included); returns all of the job's runs."""
    def done() -> list[dict[str, Any]] | None:
        found = runs_of(server.url, pipelineName=job)
        if any(run["status"] not in FINISHED for run in found):
            return None
        succeeded = {run["tags"].get("dagster/partition") for run in found
                     if run["status"] == "SUCCESS"}
        return found if set(partitions) <= succeeded else None

    try:
        return wait_until(done, timeout, f"{job} over {len(partitions)} partitions",
                          interval=2.0, alive=server._alive)
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{server.log_tail()}") from error


_LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
_SENSOR = """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename
  ... on Sensor { id sensorState { status } } ... on PythonError { message } } }"""
_STOP_SENSOR = """mutation($id: String) { stopSensor(id: $id) { __typename
  ... on StopSensorMutationResult { instigationState { status } }
  ... on PythonError { message } } }"""


class LoggedProcess(StartedService):
    """A service process that logs to ``log_path``: its tail for failure messages, and a check
    that it is still running."""

    process: subprocess.Popen | None
    log_path: Path | None
    what: str = "process"

    def log_tail(self, chars: int = 6000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def _alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.what} exited with {self.process.returncode}:\n"
                               f"{self.log_tail()}")


@dataclass
class DagsterServer(LoggedProcess):
    """``dagster dev`` (webserver, daemon, code server) on a free loopback port, in its own
    process group, its state under ``home``."""

    home: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)   # added to dagster_env(home)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> DagsterServer:
        self.log_path = self.home / "dagster-dev.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        self.process = subprocess.Popen(
            [str(VENV_BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
             "-p", str(self.port)],
            cwd=REPO_ROOT, env=dagster_env(self.home, **self.env), stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_own_group_with_default_signals)
        log.close()
        wait_until(self._location_loaded, timeout, "the code location to load in dagster dev",
                   interval=1.0, alive=self._alive)
        return self

    what: str = "dagster dev"

    def _location_loaded(self) -> bool:
        try:
            data = graphql(self.url, _LOCATIONS)
        except (urllib.error.URLError, ConnectionError, TimeoutError, RuntimeError):
            return False
        entries = data["workspaceOrError"].get("locationEntries") or []
        for entry in entries:
            error = entry.get("locationOrLoadError") or {}
            if error.get("__typename") == "PythonError":
                raise RuntimeError(f"code location failed to load: {error['message']}")
        return any(e["name"] == LOCATION and e["loadStatus"] == "LOADED" for e in entries)

    def stop_sensor(self, name: str) -> str:
        selector = {"repositoryName": REPOSITORY, "repositoryLocationName": LOCATION,
                    "sensorName": name}
        sensor = graphql(self.url, _SENSOR, {"s": selector})["sensorOrError"]
        assert sensor["__typename"] == "Sensor", sensor
        stopped = graphql(self.url, _STOP_SENSOR, {"id": sensor["id"]})["stopSensor"]
        assert stopped["__typename"] == "StopSensorMutationResult", stopped
        return stopped["instigationState"]["status"]

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)



def wait_for_runs(client: Any, run_ids: list[str], timeout: float,
                  server: DagsterServer | None = None) -> dict[str, str]:
    """Poll DagsterGraphQLClient until every run has finished; run id -> status name."""
    finished = {"SUCCESS", "FAILURE", "CANCELED"}
    statuses: dict[str, str] = {}

    def all_done() -> bool:
        for run_id in run_ids:
            if statuses.get(run_id) not in finished:
                statuses[run_id] = client.get_run_status(run_id).value
        return all(s in finished for s in statuses.values())

    try:
        wait_until(all_done, timeout, f"runs {run_ids}", interval=1.0,
                   alive=server._alive if server else None)
    except TimeoutError as error:
        tail = server.log_tail() if server else ""
        raise TimeoutError(f"{error}; statuses {statuses}\n{tail}") from error
    return statuses


# -------------------------------------------------------------------------- the browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--window-size=2560,1600"]


def ensure_browser() -> None:
    ensure_apt(["chromium", "chromium-driver"],
               lambda: os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK))
    ensure_pip("selenium", ["selenium>=4.51"])


@contextlib.contextmanager
def headless_chromium(profile_dir: Path) -> Iterator[Any]:
    """Debian's Chromium through its own chromedriver: Selenium Manager is never asked to
    find (or download) a browser or a driver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER,
                      log_output=str(profile_dir.parent / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


# ------------------------------------------------------------------ a private PostgreSQL


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def ensure_postgres() -> Path:
    ensure_apt(["postgresql"], lambda: postgres_bin() is not None)
    path = postgres_bin()
    assert path is not None
    return path


@dataclass
class PostgresCluster(StartedService):
    """A throw-away cluster on 127.0.0.1:<free port> in a temp folder, run as the
    ``postgres`` user when we are root (PostgreSQL refuses to run as root)."""

    bin_dir: Path
    port: int = field(default_factory=free_port)
    user: str = "dagster"
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    db_name: str = "dagster"
    root: Path | None = None

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(self._as_owner(argv), capture_output=True, text=True,
                              timeout=180, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                               f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    def start(self) -> PostgresCluster:
        # Not under pytest's tmp dir (nor $TMPDIR): those may be private to root, and the
        # server runs as postgres.
        self.root = Path(tempfile.mkdtemp(prefix="ops-pg-",
                                          dir="/tmp" if os.geteuid() == 0 else None))
        superuser_pw = self.root / "pwfile"
        superuser_pw.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(superuser_pw, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        data = self.root / "data"
        self._run([str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                   "--auth-local=peer", "--auth-host=scram-sha-256",
                   f"--pwfile={superuser_pw}", "-E", "UTF8", "--no-locale", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories={self.root} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(data), "-l",
                   str(self.root / "server.log"), "-o", options, "-w", "-t", "60", "start"])
        import psycopg2

        with contextlib.closing(psycopg2.connect(
                host="127.0.0.1", port=self.port, user="postgres", password=self.password,
                dbname="postgres")) as con:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f"CREATE ROLE {self.user} LOGIN PASSWORD %s", [self.password])
                cur.execute(f"CREATE DATABASE {self.db_name} OWNER {self.user}")
        return self

    def connect(self) -> Any:
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user,
                                password=self.password, dbname=self.db_name)

    def storage_config(self) -> dict[str, Any]:
        # SQLAlchemy 2.1 maps a bare "postgresql://" URL to psycopg 3, which dagster-postgres
        # does not install (it depends on psycopg2-binary): name the driver.
        return {"postgres": {"postgres_db": {
            "username": self.user, "password": self.password, "hostname": "127.0.0.1",
            "db_name": self.db_name, "port": self.port, "scheme": "postgresql+psycopg2"}}}

    def stop(self) -> None:
        if self.root is None:
            return
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run([str(self.bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                           "-t", "60", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)



def instance_yaml_with(home: Path, **sections: Any) -> Path:
    """The project's dagster.yaml (its run queue and limits) plus ``sections``, in ``home``."""
    import yaml

    config = yaml.safe_load(INSTANCE_YAML.read_text()) or {}
    config.update(sections)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


# ------------------------------------------------------ Redis and dagster-celery workers


def ensure_redis() -> Path:
    """Debian's ``redis-server`` (installed through apt when missing)."""
    ensure_apt(["redis-server"], lambda: shutil.which("redis-server") is not None)
    return Path(shutil.which("redis-server") or "redis-server")


@dataclass
class RedisServer(StartedService):
    """A throw-away Redis on a free loopback port: no persistence, its own process group."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        import redis

        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the child keeps it open
        self.process = subprocess.Popen(
            [str(ensure_redis()), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder),
             "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_own_group_with_default_signals)
        log.close()
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

        def pong() -> bool:
            assert self.process is not None and self.process.poll() is None, \
                (self.folder / "redis.log").read_text(errors="replace")[-2000:]
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        wait_until(pong, 30, "redis-server to answer PING", interval=0.2)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, grace=10)


@dataclass
class CeleryWorker(LoggedProcess):
    """``dagster-celery worker start`` (the Celery worker that runs Dagster steps) named
    ``name``, one pool process, on the broker and backend in ``config_yaml``; its own process
    group, its state under ``home``."""

    home: Path
    name: str
    config_yaml: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def start(self, timeout: float = 120.0) -> CeleryWorker:
        self.log_path = self.home / f"celery-{self.name}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        self.process = subprocess.Popen(
            [str(VENV_BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
             "-y", str(self.config_yaml), "-n", self.name, "-l", "INFO",
             "--", "--concurrency=1", "--pool=prefork"],
            cwd=REPO_ROOT, env=dagster_env(self.home, **self.env), stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_own_group_with_default_signals)
        log.close()
        wait_until(lambda: " ready." in self.log_tail(20000), timeout,
                   f"celery worker {self.name} to be ready", interval=0.5, alive=self._alive)
        return self

    what: str = "celery worker"

    def step_processes(self) -> list[Any]:
        """The worker's pool processes that are running a compute job right now (a Pipes
        subprocess below them), as psutil processes."""
        import psutil

        assert self.process is not None
        busy = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if any("compute_entry" in " ".join(grand.cmdline())
                       for grand in child.children()):
                    busy.append(child)
            except psutil.NoSuchProcess:
                continue
        return busy

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, grace=30)


def kill_tree(process: Any) -> list[int]:
    """SIGKILL a psutil process and everything below it (a worker lost mid-step); returns
    the pids killed."""
    import psutil

    victims = [process, *process.children(recursive=True)]
    for victim in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.kill()
    psutil.wait_procs(victims, timeout=30)
    return [victim.pid for victim in victims]


# ------------------------------------------------ small models for the server-side tests

SMALL_PROFILE = {"vocab_size": 512, "hidden": 48, "layers": 2, "heads": 2, "max_length": 96}
# The stage the session home (ops/conftest.py) prepares for evaluation.
EVALUATED = "sft_model"


def train_small_models(home: Path) -> None:
    """Intake of the sample files, the datasets, the tokenizer, base and SFT models and both
    reward models, in-process on the home's own instance (small, few steps)."""
    from dagster import DagsterInstance, materialize

    from safety_assets.defs.datasets import dataset_assets
    from safety_assets.defs.intake.batch_partitions import annotation_batches
    from safety_assets.defs.intake.intake_assets import raw_annotations, validated_annotations
    from safety_assets.defs.resources import (
        AnnotationInboxResource,
        ModelProfileResource,
        build_resources,
    )
    from safety_assets.defs.reward import reward_assets
    from safety_assets.defs.sft import sft_assets
    from safety_assets.demo import SAMPLE_DIR, SAMPLE_FILES
    from safety_assets.intake.inbox import batch_key, sha256_of

    staging = home / "sample-files"
    staging.mkdir()
    resources = build_resources(home=str(home), profile=ModelProfileResource(**SMALL_PROFILE))
    warehouse = resources["warehouse"]
    inbox = AnnotationInboxResource(path=str(staging),
                                    archive_path=str(home / "storage" / "batches"),
                                    min_age_seconds=0)
    step = {"batch_size": 8, "save_every": 0, "lr": 3e-3}
    with DagsterInstance.from_config(str(home)) as instance:
        for name in SAMPLE_FILES:
            shutil.copyfile(SAMPLE_DIR / name, staging / name)
            key = batch_key(name, sha256_of(staging / name))
            instance.add_dynamic_partitions(annotation_batches.name, [key])
            assert materialize([raw_annotations, validated_annotations], partition_key=key,
                               instance=instance,
                               resources={"warehouse": warehouse, "inbox": inbox}).success
        trained = materialize(
            [dataset_assets.prompt_splits, dataset_assets.sft_mixture,
             dataset_assets.safety_rm_pairs, dataset_assets.helpfulness_rm_pairs,
             sft_assets.chat_tokenizer, sft_assets.base_model, sft_assets.sft_model,
             reward_assets.safety_reward_model, reward_assets.helpfulness_reward_model],
            instance=instance, resources=resources,
            run_config={"ops": {
                "base_model": {"config": {**step, "max_steps": 20}},
                "sft_model": {"config": {**step, "max_steps": 10}},
                "safety_reward_model": {"config": {**step, "max_steps": 10}},
                "helpfulness_reward_model": {"config": {**step, "max_steps": 10}}}})
        assert trained.success


def prepare_small_evaluation(home: Path, stages: list[str]) -> None:
    """The models under evaluation (``stages``), the TruthfulQA judges, the toxicity
    classifier and the independent safety judge, in-process, after
    :func:`train_small_models`."""
    from dagster import DagsterInstance, materialize

    from safety_assets.defs.evaluation import evaluation_assets, judge_assets
    from safety_assets.defs.resources import ModelProfileResource, build_resources

    resources = build_resources(home=str(home), compute_in_process=True,
                                profile=ModelProfileResource(**SMALL_PROFILE))
    with DagsterInstance.from_config(str(home)) as instance:
        prepared = materialize(
            [evaluation_assets.evaluation_models, evaluation_assets.truthfulqa_judges,
             evaluation_assets.toxicity_classifier, judge_assets.safety_judge_model,
             judge_assets.safety_judge_validation],
            instance=instance, resources=resources,
            run_config={"ops": {
                "safety_judge_model": {"config": {"max_steps": 0, "epochs": 2.0, "lr": 2e-3,
                                                  "batch_size": 8, "save_every": 0}},
                "truthfulqa_judges": {"config": {"train_rows": 1500}},
                "evaluation_models": {"config": {"stages": stages}}}})
        assert prepared.success
