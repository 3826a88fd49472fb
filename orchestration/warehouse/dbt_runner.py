"""Run `dbt build` on the warehouse project as a subprocess, without Dagster.

The dbt project lives in `dbt_project/` next to this package. Everything that differs between
pipelines hangs off the data directory: the DuckDB file and the lake (through SPANLEDGER_DATA_DIR,
read by profiles.yml and the sources), and dbt's target/ and logs/ (so two pipelines sharing one
checkout never overwrite each other's manifest or partial-parse state).

On DuckDB, commands that write (build, run, seed, snapshot) work on a copy of the warehouse file
that replaces the original by one atomic rename only when dbt succeeds: a failed or killed build
leaves the previous build's marts in place and readable. One writer at a time: every command that
opens the warehouse takes `state/warehouse.lock`, and a second one waits (up to a timeout) with a
message naming the holder.

dbt runs in a process group of its own that ends with the command that started it: on an exception
(Ctrl-C included) the group is killed, and on Linux the kernel kills dbt when its parent dies, even by
SIGKILL (PR_SET_PDEATHSIG). dbt also inherits the warehouse lock, so if it ever outlived its parent, the
next build would wait for it instead of reusing its folder.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.locks import wait_for_flock
from orchestration.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

WRITING_COMMANDS = frozenset({"build", "run", "seed", "snapshot"})
READING_COMMANDS = frozenset({"test", "docs", "compile", "show", "run-operation", "source", "debug"})
DEFAULT_LOCK_TIMEOUT = float(os.environ.get("SPANLEDGER_WAREHOUSE_LOCK_TIMEOUT", "600"))
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# dbt's console events that end a node (`N of M OK/PASS/WARN/ERROR/SKIP …`)
NODE_RESULT_EVENTS = frozenset(
    {
        "LogModelResult",
        "LogTestResult",
        "LogSeedResult",
        "LogSnapshotResult",
        "LogNodeResult",
        "LogNodeNoOpResult",  # an operation or ephemeral node: counted in the total, ends without work
        "LogFunctionResult",
        "SkippingDetails",
        "LogSkipBecauseError",
    }
)
DbtProgress = Callable[[int, int, str], None]  # (nodes done, nodes in the run, the node just started or done)


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (the venv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("dbt is not installed in this environment (uv sync installs it)")
    return found


def dbt_target_dir(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "target"


def dbt_log_dir(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "logs"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for a dbt subprocess of this pipeline."""
    from orchestration.lake.uniformity import union_by_name_env  # pyarrow: not for every importer

    env = dict(os.environ)
    env["SPANLEDGER_DATA_DIR"] = str(settings.data_dir)
    env["SPANLEDGER_WAREHOUSE"] = settings.warehouse
    env["DBT_TARGET_PATH"] = str(dbt_target_dir(settings))
    env["DBT_LOG_PATH"] = str(dbt_log_dir(settings))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.update(union_by_name_env(settings))
    return env


def date_vars(min_date: date | str | None, max_date: date | str | None) -> dict[str, str]:
    """The incremental window (inclusive dates); empty means every date."""
    out: dict[str, str] = {}
    if min_date is not None:
        out["min_date"] = str(min_date)
    if max_date is not None:
        out["max_date"] = str(max_date)
    return out


class WarehouseBusyError(RuntimeError):
    """Another process is writing the warehouse and did not finish within the timeout."""


@contextmanager
def warehouse_write_lock(
    settings: Settings, timeout: float | None = None, purpose: str = "dbt"
) -> Iterator[Any]:
    """Exclusive right to open the DuckDB warehouse for writing; waits up to `timeout` seconds.

    The lock file says who holds it (pid, purpose, since when) so the waiting side can say so. Yields
    the open lock file: a child process given its descriptor holds the lock as long as it runs.
    """
    timeout = DEFAULT_LOCK_TIMEOUT if timeout is None else timeout
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    path = settings.state_dir / "warehouse.lock"
    with open(path, "a+") as fh:
        if not wait_for_flock(fh, fcntl.LOCK_EX, timeout):
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise WarehouseBusyError(
                f"the warehouse {settings.warehouse_path} is being written by another process "
                f"({holder}); waited {timeout:.0f}s. Try again when it has finished, or raise "
                "SPANLEDGER_WAREHOUSE_LOCK_TIMEOUT"
            )
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}, {purpose}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            fh.flush()
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _checkpoint(path: Path) -> None:
    """Fold a write-ahead log into its database file (a killed writer can leave one behind)."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("checkpoint")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_copy_path(settings: Settings) -> Path:
    """Where a build writes: same file name (DuckDB names the catalog after it), same filesystem."""
    return settings.data_dir / ".warehouse-build" / settings.warehouse_path.name


@contextmanager
def staged_warehouse(
    settings: Settings, timings: dict[str, float] | None = None
) -> Iterator[tuple[Path, list[bool]]]:
    """A private copy of the warehouse to build into; `publish[0] = True` swaps it in atomically.

    Call with the write lock held. Leftovers of a killed build are discarded first. `timings` gets
    the seconds spent copying and publishing (the cost of the copy grows with the warehouse).
    """
    from orchestration.lake.compaction import lake_readers
    from orchestration.landing import finish_interrupted_publish

    timings = {} if timings is None else timings
    finish_interrupted_publish(settings)  # a landing killed mid-publish: never build from half a file
    started = time.monotonic()
    live = settings.warehouse_path
    copy = build_copy_path(settings)
    shutil.rmtree(copy.parent, ignore_errors=True)
    copy.parent.mkdir(parents=True)
    if Path(f"{live}.wal").exists():
        _checkpoint(live)  # committed work of a killed direct writer must not be left behind
    if live.exists():
        shutil.copyfile(live, copy)
    timings["copy"] = time.monotonic() - started
    publish = [False]
    try:
        with lake_readers(settings):  # no compaction swaps lake files while dbt reads them
            yield copy, publish
        if publish[0]:
            started = time.monotonic()
            if Path(f"{copy}.wal").exists():
                _checkpoint(copy)
            _fsync(copy)
            os.replace(copy, live)
            _fsync(live.parent)
            timings["publish"] = time.monotonic() - started
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


@dataclass
class DbtBuildResult:
    returncode: int
    seconds: float
    command: list[str]
    statuses: Counter[str] = field(default_factory=Counter)  # pass / warn / error / fail / skip ...
    failures: list[str] = field(default_factory=list)  # unique ids of nodes that errored or failed
    log_path: Path | None = None
    output_tail: str = ""
    published: bool | None = None  # writing commands on DuckDB: whether the new warehouse replaced the old
    stage_seconds: dict[str, float] = field(default_factory=dict)  # copy / publish of the staged warehouse

    @property
    def success(self) -> bool:
        return self.returncode == 0

    @property
    def summary(self) -> str:
        counts = " ".join(f"{k.upper()}={v}" for k, v in sorted(self.statuses.items()))
        kept = "; the warehouse is unchanged (previous build kept)" if self.published is False else ""
        return f"{counts or 'no results'} in {self.seconds:.1f}s{kept}"


def run_dbt(
    settings: Settings,
    args: list[str],
    *,
    vars: dict[str, str] | None = None,
    stream: bool = False,
    lock_timeout: float | None = None,
    progress: DbtProgress | None = None,
) -> DbtBuildResult:
    """Run any dbt command (`["build"]`, `["parse"]`, ...) for this pipeline's data directory.

    On DuckDB, commands that open the warehouse hold the write lock; commands that write build into
    a copy that replaces the warehouse only if dbt succeeds.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command_name = args[0] if args else ""
    if settings.warehouse != "duckdb" or command_name not in WRITING_COMMANDS | READING_COMMANDS:
        return _run_dbt(settings, args, vars=vars, stream=stream, progress=progress)
    with warehouse_write_lock(settings, lock_timeout, purpose=f"dbt {command_name}") as lock:
        held = (lock.fileno(),)
        if command_name not in WRITING_COMMANDS:
            return _run_dbt(settings, args, vars=vars, stream=stream, pass_fds=held, progress=progress)
        timings: dict[str, float] = {}
        with staged_warehouse(settings, timings) as (copy, publish):
            result = _run_dbt(
                settings,
                args,
                vars=vars,
                stream=stream,
                warehouse_path=copy,
                pass_fds=held,
                progress=progress,
            )
            publish[0] = result.success
        result.published = result.success
        result.stage_seconds = timings
        return result


def run_dbt_in_scratch(settings: Settings, args: list[str], **options: Any) -> DbtBuildResult:
    """dbt on a scratch warehouse the caller owns (prices refresh): a DuckDB copy (`warehouse_path`, under the
    write lock the caller holds: its descriptor in `pass_fds`) or BigQuery scratch datasets (`extra_env`
    names them). No staging, no publishing."""
    return _run_dbt(settings, args, **options)


def _run_dbt(
    settings: Settings,
    args: list[str],
    *,
    vars: dict[str, str] | None = None,
    stream: bool = False,
    warehouse_path: Path | None = None,
    pass_fds: tuple[int, ...] = (),
    progress: DbtProgress | None = None,
    project_dir: Path = PROJECT_DIR,
    target_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> DbtBuildResult:
    """`project_dir` and `target_dir`: a scratch copy of the project (prices refresh) and its own target/;
    `extra_env` overrides the pipeline's variables (SPANLEDGER_BQ_DATASET: scratch datasets)."""
    command = [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if vars:
        command += ["--vars", json.dumps(vars)]
    env = {**dbt_env(settings), **(extra_env or {})}
    if target_dir is not None:
        env["DBT_TARGET_PATH"] = str(target_dir)
        env["DBT_LOG_PATH"] = str(target_dir / "logs")
    if warehouse_path is not None:
        env["SPANLEDGER_DUCKDB_PATH"] = str(warehouse_path)
    if progress is not None and not stream:
        command += ["--log-format", "json"]  # the console's events, read for progress (the file log is apart)
    started = time.monotonic()
    with subprocess.Popen(
        command,
        cwd=project_dir,
        env=env,
        stdout=None if stream else subprocess.PIPE,
        stderr=None if stream else subprocess.STDOUT,
        text=True,
        process_group=0,
        preexec_fn=_dies_with(os.getpid()),
        pass_fds=pass_fds,
    ) as proc:
        try:
            if progress is not None and not stream:
                output = _follow_events(proc.stdout, progress)
                proc.wait()
            else:
                output, _ = proc.communicate()
        except BaseException:  # Ctrl-C, a signal turned into an exception: dbt does not go on alone
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    result = DbtBuildResult(
        returncode=proc.returncode,
        seconds=time.monotonic() - started,
        command=command,
        log_path=(target_dir / "logs" if target_dir else dbt_log_dir(settings)) / "dbt.log",
        output_tail="\n".join((output or "").splitlines()[-40:]),
    )
    run_results = (target_dir or dbt_target_dir(settings)) / "run_results.json"
    if run_results.exists() and run_results.stat().st_mtime >= time.time() - result.seconds - 5:
        for node in json.loads(run_results.read_text()).get("results", []):
            status = str(node.get("status", "unknown")).lower()
            result.statuses[status] += 1
            if status in {"error", "fail", "runtime error"}:
                result.failures.append(node.get("unique_id", "?"))
    return result


def _follow_events(lines: Iterable[str], progress: DbtProgress) -> str:
    """Read dbt's JSON console events: progress(done, total, node) as nodes start and finish (dbt runs
    several at once, so done counts results, not indexes); returns the messages, as dbt would print them."""
    messages, done = [], 0
    for line in lines:
        try:
            event = json.loads(line)
            name, data, message = event["info"]["name"], event["data"], event["info"]["msg"]
        except (ValueError, KeyError, TypeError):
            messages.append(line.rstrip("\n"))  # not an event (a crash's traceback): kept as it is
            continue
        messages.append(message)
        total = data.get("total") or data.get("num_models")  # a test's result names it num_models
        node = (data.get("node_info") or {}).get("node_name", "")
        if name in NODE_RESULT_EVENTS and total:
            done += 1
            progress(done, total, node)
        elif name == "LogStartLine" and total:
            progress(done, total, node)
    return "\n".join(messages)


def _dies_with(parent_pid: int) -> Callable[[], None] | None:
    """For Popen's preexec_fn (Linux): the child is SIGKILLed when `parent_pid` dies, by any signal."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child

    def set_parent_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return set_parent_death_signal


def run_dbt_build(
    settings: Settings,
    min_date: date | str | None = None,
    max_date: date | str | None = None,
    full_refresh: bool = False,
    select: str | None = None,
    stream: bool = False,
    lock_timeout: float | None = None,
    progress: DbtProgress | None = None,
) -> DbtBuildResult:
    """`dbt build` (seeds, models, tests): everything, or the dates min_date..max_date (inclusive)
    of the incremental models; a full refresh rebuilds incremental models from the whole lake."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    return run_dbt(
        settings,
        args,
        vars=date_vars(min_date, max_date),
        stream=stream,
        lock_timeout=lock_timeout,
        progress=progress,
    )
