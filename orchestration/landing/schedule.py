"""Who decodes what, and when: tasks go to worker processes as files are hashed, and each file is
published as soon as its last task is done.

Three ways to run, by what there is to land:
- one big plain file: its first slice is decoded while the file is hashed, and this process decodes a
  share of the other slices beside the pool (both cores busy from the start);
- a little data, or one task: decoded in this process (starting workers costs more);
- a backlog: a pool, each worker with one task queued behind it, hashing the next file meanwhile.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, as_completed, wait
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any

from orchestration.landing.decode import process_task
from orchestration.landing.discovery import Pending
from orchestration.landing.early import FileWithdrawn, announce_file_id, early_slice
from orchestration.landing.identity import Candidate, identified
from orchestration.landing.publish import publish_file
from orchestration.landing.report import FileOutcome, LandingProgress, LandingReport
from orchestration.landing.slicing import Task, tasks_for, will_be_sliced
from orchestration.manifest import Manifest
from orchestration.native import decoder as native
from orchestration.settings import Settings
from orchestration.workers import default_workers, process_pool

# A file up to GROUP_FILE_BYTES shares its task with other small files, up to GROUP_MAX_BYTES and
# GROUP_MAX_FILES a task: per-file costs (a Parquet file per table and date, the compaction that would
# merge them, worker start-up of a task) otherwise dominate a backlog of small rotated files.
GROUP_FILE_BYTES = 16 * 1024 * 1024
GROUP_MAX_BYTES = 64 * 1024 * 1024
GROUP_MAX_FILES = 500
POOL_MIN_BYTES = 8 * 1024 * 1024  # less than this lands in-process: starting workers costs more


class Schedule:
    """One landing's decoding: tasks booked per file, results gathered, files published when complete."""

    def __init__(
        self,
        settings: Settings,
        manifest: Manifest,
        pending: list[Pending],
        staging_root: Path,
        workers: int | None,
        progress: LandingProgress | None,
        report: LandingReport,
        run_id: str | None,
    ):
        self.settings, self.manifest, self.pending, self.staging_root = (
            settings,
            manifest,
            pending,
            staging_root,
        )
        self.progress, self.report, self.run_id = progress, report, run_id
        self.landing_day = datetime.now(UTC).date().isoformat()
        self.workers = workers or default_workers(settings.landing_workers)
        self.by_id: dict[str, Candidate] = {}
        self.remaining: dict[str, int] = {}
        self.partial: dict[str, list[dict[str, Any]]] = {}
        self.total_bytes = sum(
            item.stat.st_size for item in pending
        )  # an estimate until every file is hashed
        self.done_bytes = 0
        self.done_files = 0  # published, withdrawn or skipped (duplicate, unchanged, settling)
        # Small files share a task up to this many bytes: enough groups to keep every worker busy.
        self.group_bytes = min(GROUP_MAX_BYTES, max(self.total_bytes // (2 * self.workers), 1))

    # --- bookkeeping ------------------------------------------------------------------------------
    def candidates(self) -> Iterator[Candidate]:
        return identified(
            self.manifest, self.pending, self.report, self.skipped, self.settings.tail_timeout_seconds
        )

    def expect(self, candidate: Candidate, tasks: list[Task]) -> None:
        """Book a file's tasks: complete() publishes the file when the last of them is done."""
        fid = candidate.file_id
        self.by_id[fid], self.remaining[fid], self.partial[fid] = candidate, len(tasks), []

    def jobs_of(self, candidates: Iterable[Candidate]) -> Iterator[list[Task]]:
        """Tasks as workers take them: each slice of a big file alone, small whole files together."""
        group: list[Task] = []
        size = 0
        for candidate in candidates:
            tasks = tasks_for(candidate, self.landing_day, self.workers)
            self.expect(candidate, tasks)
            if len(tasks) > 1 or candidate.size > GROUP_FILE_BYTES:
                yield from ([task] for task in tasks)
                continue
            group.append(tasks[0])
            size += candidate.new_bytes
            if size >= self.group_bytes or len(group) >= GROUP_MAX_FILES:
                yield group
                group, size = [], 0
        if group:
            yield group

    def advance(self, name: str, size: int) -> None:
        """One file done: bytes and files for the progress callback (files as a keyword: compaction's
        progress, the same callback, counts merges and passes none)."""
        self.done_bytes += size
        self.done_files += 1
        if self.progress:
            files = (self.done_files, max(len(self.pending), self.done_files))
            self.progress(name, self.done_bytes, max(self.total_bytes, self.done_bytes), files=files)

    def skipped(self, size: int) -> None:
        self.advance("", size)

    def complete(self, result: dict[str, Any]) -> None:
        if "withdrawn" in result:
            self.withdraw(result["withdrawn"], result["reason"])
            return
        files = result["files"]
        if len(files) == 1:  # one slice of a file: publish when its last slice is done
            fid = files[0]["file_id"]
            if fid not in self.partial:  # another slice of it was withdrawn
                return
            outputs = {key: result[key] for key in ("moves", "subjects", "bytes_written")}
            self.partial[fid].append({**files[0], **outputs})
            self.remaining[fid] -= 1
            if self.remaining[fid]:
                return
            results = self.partial.pop(fid)
            members = [(self.by_id.pop(fid), results)]
            moves = [tuple(m) for r in results for m in r["moves"]]
            subjects = [r["subjects"] for r in results]
            written = sum(r["bytes_written"] for r in results)
        else:  # small files decoded together: published together
            members = []
            for f in files:
                self.partial.pop(f["file_id"])
                members.append((self.by_id.pop(f["file_id"]), [f]))
            moves, subjects, written = (
                [tuple(m) for m in result["moves"]],
                [result["subjects"]],
                result["bytes_written"],
            )
        args = (self.settings, self.manifest, members, moves, subjects, written, self.run_id, self.report)
        self.report.files.extend(publish_file(*args))
        for candidate, _ in members:
            self.report.bytes_in += candidate.new_bytes
            self.advance(PurePosixPath(candidate.key).name, candidate.size)

    def withdraw(self, file_ids: list[str], reason: str) -> None:
        """Files that changed under a task: nothing of them is published (their other slices' outputs
        stay in staging, which is removed); they land at a later run."""
        for fid in file_ids:
            candidate = self.by_id.pop(fid, None)
            self.partial.pop(fid, None)
            if candidate is not None:
                detail = f"{reason}; lands at a later run"
                self.report.files.append(FileOutcome(candidate.key, "settling", fid, detail=detail))
                self.advance(PurePosixPath(candidate.key).name, candidate.size)

    # --- the three ways to run --------------------------------------------------------------------
    def run(self) -> None:
        if not self.pending:
            return
        if (
            self.workers > 1
            and len(self.pending) == 1
            and will_be_sliced(self.pending[0].path, self.pending[0].stat.st_size)
        ):
            self.run_one_big_file()
            return
        jobs: Iterator[list[Task]] = self.jobs_of(self.candidates())
        backlog: list[list[Task]] = []
        in_process = self.workers <= 1
        if not in_process and (self.total_bytes < POOL_MIN_BYTES or len(self.pending) == 1):
            backlog, jobs = list(jobs), iter(())  # is a pool worth starting?
            in_process = self.total_bytes < POOL_MIN_BYTES or len(backlog) <= 1
        if in_process:
            for job in chain(backlog, jobs):
                self.complete(process_task(job, self.settings, self.staging_root))
            return
        self.run_pool(backlog, jobs)

    def run_pool(self, backlog: list[list[Task]], jobs: Iterator[list[Task]]) -> None:
        settings, staging = self.settings, self.staging_root
        with process_pool(self.workers) as pool:
            in_flight = {pool.submit(process_task, job, settings, staging) for job in backlog}
            for job in jobs:
                in_flight.add(pool.submit(process_task, job, settings, staging))
                # Keep every worker busy with one task queued behind it; hash the next file meanwhile.
                while len(in_flight) >= 2 * self.workers:
                    finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        self.complete(future.result())
            for future in as_completed(in_flight):
                self.complete(future.result())

    def run_one_big_file(self) -> None:
        """A pool one worker smaller starts at once and decodes the file's first slice while this process
        hashes the file (the slice waits for the file's id before it writes); then this process decodes a
        share of the other slices itself."""
        item = self.pending[0]
        settings, staging, workers = self.settings, self.staging_root, self.workers
        staging.mkdir(parents=True, exist_ok=True)
        id_path = staging / f"{uuid.uuid4().hex}.file-id"
        early = early_slice(item.path, item.stat.st_size, item.stat.st_ino, self.manifest, self.landing_day, workers,
                            id_path, item.final, item.source)  # fmt: skip
        backlog: list[list[Task]] = []
        with process_pool(workers - 1) as pool:
            early_future = (
                pool.submit(process_task, [early], settings, staging) if early else pool.submit(_warm_up)
            )  # the worker's imports overlap the hashing all the same
            try:
                if early is None:
                    backlog = list(self.jobs_of(self.candidates()))
                else:
                    for candidate in self.candidates():  # one, or none
                        if candidate.base is not None:  # it continues a landed version after all
                            backlog = list(self.jobs_of([candidate]))
                            break
                        announce_file_id(id_path, candidate.file_id)
                        rest = tasks_for(candidate, self.landing_day, workers - 1, after=early)
                        self.expect(candidate, [early, *rest])
                        backlog = [[task] for task in rest]
            finally:
                if early and not id_path.exists():  # a duplicate, a continuation, changed, gone, or an error
                    announce_file_id(id_path, "")
            share = workers if early is None else workers - 1  # the pool's other workers and this process
            futures = [
                pool.submit(process_task, job, settings, staging)
                for k, job in enumerate(backlog)
                if k % share
            ]
            for job in backlog[::share]:
                self.complete(process_task(job, settings, staging))
            if early:
                with contextlib.suppress(FileWithdrawn):
                    self.complete(early_future.result())
            for future in as_completed(futures):
                self.complete(future.result())


def _warm_up() -> bool:
    """A fresh worker's first task, while the main process hashes: importing this module is the point."""
    return native.available()
