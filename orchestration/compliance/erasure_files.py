"""An erasure request's part in files: the lake, restricted content and the quarantine (see erasure.py).

Run under the landing lock, so no landing adds rows meanwhile:

1. Discovery. The subject index names the files holding the person's hashes; read (a few columns),
   they give the sessions of the person's rows and the traces of the person's and those sessions'
   rows. Both go into the ledger (a rerun still knows them once the files are rewritten) and onto the
   suppression list, traces as keyed hashes with a day of theirs (lake/suppression.py).
2. Traces beyond the index. Rows of those traces that carry no id (child spans, span events and links,
   evaluation logs, restricted content of child spans) sit in files the index does not list for the
   person: the trace tables' files of the person's days (±1) and all restricted content are read by
   their trace_id column. The trace keys of the person's earlier requests, and those landing learned
   (rows that landed before their trace was known), are looked for the same way on their days; the ids
   found join the ledger before any file changes, so the warehouse step and a rerun have them too.
3. Every file with a match is rewritten without it (atomically, each removal counted in the ledger
   before it happens); the quarantine loses the excerpts quoting the raw id (while the CLI has it) or
   an id whose hash or trace key is listed.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.checkpoints import Checkpoint
from orchestration.compliance import lakefiles
from orchestration.compliance.lakefiles import SubjectMatch
from orchestration.compliance.ledger import Ledger, now_iso
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.lake.suppression import NO_TRACE, Suppression, TraceKeys, trace_key
from orchestration.settings import Settings
from orchestration.skills.snapshot import TABLE as SKILLS_CATALOG

TRACE_TABLES = ("spans", "span_events", "span_links", "logs")
POINTER_TABLES = ("span_links", "metric_points")  # other people's rows may point to an erased trace
REFERENCES = "#references"  # ledger step of a file's pointers to erased traces (see lakefiles.redact)


def erase_files(
    settings: Settings, ledger: Ledger, request: dict[str, Any], raw_id: str | None, checkpoint: Checkpoint
) -> int:
    """Returns how many indexed files held the person."""
    rid, tenant = request["request_id"], request["tenant_id"]
    users = frozenset([request["subject_hash"]])
    earlier = set().union(*(ledger.subjects(r) for r in ledger.same_person(rid)))
    ledger.add_subjects(rid, earlier - ledger.subjects(rid), "session")
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        hashes, traces = _discover(settings, ledger, index, rid, users, tenant)
        at = now_iso()
        for h in hashes:  # late data of the subject's sessions must not land again either
            index.suppress(h, rid, at)
        index.suppress_traces(((trace_key(settings.hmac_key, t), d) for t, d in traces.items()), rid, at)
        keys = index.trace_keys_of(ledger.same_person(rid))
        files = [local_path(settings, p) for p in index.files_for(hashes)]
    checkpoint("discovered")
    known = ledger.traces(rid)
    own = {trace_key(settings.hmac_key, t) for t in known}
    unresolved = {k: d for k, d in keys.items() if k not in own}
    days = _with_neighbours({_day_of(p) for p in files} | set(traces.values()) | set(unresolved.values()))
    candidates = files + [p for p in _trace_files(settings, days) if p not in set(files)]
    holders, found = _find_traces(candidates, known, set(unresolved), settings.hmac_key)
    ledger.add_traces(rid, found)
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:  # the ids are in the ledger now
        index.looked_for(ledger.same_person(rid))
    ledger.redact_content_reads(ledger.traces(rid), lambda t: trace_key(settings.hmac_key, t).hex())
    match = SubjectMatch(frozenset(hashes), frozenset(ledger.traces(rid)), tenant, text_hashes=users)
    # restricted content is read whole (rows of the person's sessions may lack a trace; it is small),
    # and so are the files of the days that may point to the traces
    pointers = [
        p
        for t in POINTER_TABLES
        for d in days
        for p in sorted(settings.table_dir(t).glob(f"date={d}/*.parquet"))
    ]
    targets = list(
        dict.fromkeys(
            files
            + [p for p in candidates if p in holders or _restricted(settings, p)]
            + (pointers if ledger.traces(rid) else [])
            # the skills catalog (small, not in the subject index): skills the person owns lose the owner
            + sorted(settings.table_dir(SKILLS_CATALOG).glob("date=*/*.parquet"))
        )
    )
    for path in targets:
        rewrite(ledger, rid, path, match)
        checkpoint("file_rewritten")
    listed = Suppression(dict.fromkeys(hashes, rid), keys, settings.hmac_key)
    quarantine_match = SubjectMatch(
        frozenset(hashes),
        frozenset(),
        None,
        text_hashes=frozenset(hashes),
        raw_ids=(raw_id,) if raw_id else (),
        excerpt_names=listed.names_anyone,
    )
    for path in sorted(settings.quarantine_dir.glob("date=*/*.parquet")):
        rewrite(ledger, rid, path, quarantine_match)
    return len(files)


def _discover(
    settings: Settings,
    ledger: Ledger,
    index: SubjectIndex,
    rid: str,
    users: frozenset[str],
    tenant: str | None,
) -> tuple[set[str], dict[str, str | None]]:
    """The request's hashes (user and sessions) and the traces of their rows → a day of each; kept in
    the ledger at once: the rewritten files forget them."""
    hashes = set(ledger.subjects(rid))
    new = set(hashes)
    traces: dict[str, str | None] = {}
    while new:
        sessions: set[str] = set()
        for indexed in index.files_for(new):
            path = local_path(settings, indexed)
            found = lakefiles.discover(path, users, frozenset(hashes - users), tenant)
            sessions |= found.sessions
            for trace in found.traces:
                traces.setdefault(trace, _day_of(path))
        new = sessions - hashes
        ledger.add_subjects(rid, new, "session")
        hashes |= new
    ledger.add_traces(rid, traces)
    return hashes, traces


def suppress_traces(settings: Settings, request_id: str, traces: set[str]) -> None:
    """Traces found elsewhere (the warehouse): listed too, without a day."""
    if traces:
        with SubjectIndex(subject_index_path(settings.state_dir)) as index:
            keys = ((trace_key(settings.hmac_key, t), None) for t in traces if t not in NO_TRACE)
            index.suppress_traces(keys, request_id, now_iso())


def _restricted(settings: Settings, path: Path) -> bool:
    return path.is_relative_to(settings.restricted_dir)


def _day_of(path: Path) -> str | None:
    name = path.parent.name
    return name.removeprefix("date=") if name.startswith("date=") else None


def _with_neighbours(days: set[str | None]) -> list[str]:
    """The days ±1: a trace's rows may fall either side of midnight."""
    out: set[date] = set()
    for day in days:
        if day:
            d = date.fromisoformat(day)
            out |= {d - timedelta(days=1), d, d + timedelta(days=1)}
    return [d.isoformat() for d in sorted(out)]


def _trace_files(settings: Settings, days: list[str]) -> list[Path]:
    """Restricted content (kept for days: read it all) and the trace tables' files of the days."""
    found = sorted(settings.restricted_dir.glob("date=*/*.parquet"))
    for table in TRACE_TABLES:
        for day in days:
            found += sorted(settings.table_dir(table).glob(f"date={day}/*.parquet"))
    return found


def _find_traces(
    paths: list[Path], known: set[str], keys: set[bytes], hmac_key: bytes
) -> tuple[set[Path], set[str]]:
    """The files holding a known trace or one whose key is in `keys`, and the ids of the latter
    (each distinct id of a file hashed once, only when there are such keys)."""
    wanted = pa.array(sorted(known), pa.string())
    key_of = TraceKeys(hmac_key)
    holders: set[Path] = set()
    found: set[str] = set()
    for path in paths:
        ids = lakefiles.read_file(path, ("trace_id",))
        if not ids.num_columns or not ids.num_rows:
            continue
        distinct = pc.unique(ids["trace_id"].combine_chunks())
        if known and pc.any(pc.is_in(distinct, value_set=wanted)).as_py():
            holders.add(path)
        if keys:
            hits = {
                t
                for t in distinct.to_pylist()
                if t and t not in known and t not in NO_TRACE and key_of(t) in keys
            }
            if hits:
                holders.add(path)
                found |= hits
    return holders, found


def local_path(settings: Settings, indexed: str) -> Path:
    """The index holds absolute paths; a data directory that was moved or copied still resolves."""
    path = Path(indexed)
    if path.is_relative_to(settings.data_dir):
        return path
    parts = path.parts
    for anchor in ("lake", "restricted", "quarantine"):
        if anchor in parts:
            at = len(parts) - 1 - parts[::-1].index(anchor)
            return settings.data_dir.joinpath(*parts[at:])
    return settings.data_dir / "lake" / "_unresolved" / path.name  # never outside the data directory


def rewrite(ledger: Ledger, rid: str, path: Path, match: SubjectMatch) -> None:
    """Remove the matching rows and the pointers to erased traces. Both counts are planned in the
    ledger before the file is replaced, so a rerun after a kill reports them exactly."""
    target, refs = str(path), str(path) + REFERENCES
    step = ledger.step(rid, target)
    if step and step[1] == "done":
        return
    planned = ledger.step(rid, refs)
    table = lakefiles.read_file(path) if path.exists() else None
    removed = redacted = 0
    if table is not None:
        mask = match.mask(table)
        removed = int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
        kept, redacted = lakefiles.redact(table.filter(pc.invert(mask)), match.traces, match.hashes)
    if not removed and not redacted:
        # Nothing left to change: either never was, or an earlier run replaced the file after planning.
        if planned:
            ledger.finish_step(rid, refs, planned[0])
        ledger.finish_step(rid, target, step[0] if step else 0)
        return
    if redacted:
        ledger.plan_step(rid, refs, redacted)
    ledger.plan_step(rid, target, removed)
    lakefiles.replace_rows(path, kept, table.schema)
    if redacted:
        ledger.finish_step(rid, refs)
    ledger.finish_step(rid, target)
