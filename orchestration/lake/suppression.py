"""Late and replayed rows of erased people do not land: the suppression list applied at landing.

Erasure puts on the list (lake/subjects.py; keyed hashes only) the person's user hash, the hashes of
their sessions and a key per trace of theirs (`trace_key`: a keyed HMAC of the trace id, never the
id itself). A row is dropped when its user or session is listed, or when its trace is listed and it
names no other user: child spans, span events and links, evaluation logs and the restricted content
of child spans carry no user id of their own. A quarantined record is dropped when a quoted string of
its excerpt is a listed id (user, session or trace).

Rows of other people keep no pointer to a listed trace: span links to it lose the linked ids, metric
exemplars of it are dropped from the point (the point stays).

A listed person's row also suppresses its trace: the trace's other rows in the batch go with it, and
its key joins the list ("learned" at landing) for later batches and landings. Rows of such a trace
that landed before it was seen are left for the next erasure of the person, which looks for the
learned keys on their day; `erase --resume` and the nightly erasure job open that erasure by
themselves (compliance/erasure.py).

Cost: with an empty list landing calls nothing here. Otherwise the Arrow path (native decoder) hashes
each distinct trace id of a batch once, and only when the list holds trace keys.
"""

from __future__ import annotations

import hmac
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.lake.export_requests import Batch
from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.settings import Settings

TRACE_KEY_BYTES = 16  # 128 bits, like the subject index's keys: no collision in any lake
MEMO_ENTRIES = 200_000  # trace ids whose verdict a worker remembers (they repeat within a batch)
NO_TRACE = frozenset({"", "0" * 32})  # logs outside any trace
_QUOTED = re.compile(r'"((?:[^"\\]|\\.){1,512})"')
_HEX_ID = re.compile(r"[0-9a-fA-F]{32}")  # a trace id as OTLP/JSON writes it
_EPOCH = date(1970, 1, 1)


TRACE_PREFIX = b"trace:"  # a trace key never equals the hash of a user id


def trace_key(hmac_key: bytes, trace_id: str) -> bytes:
    """A trace's key on the suppression list: HMAC-SHA256 with the landing's key of the prefixed
    lowercase hex id, first 16 bytes."""
    return hmac.digest(hmac_key, TRACE_PREFIX + trace_id.lower().encode(), "sha256")[:TRACE_KEY_BYTES]


class TraceKeys:
    """`trace_key` for many ids: the HMAC state after the key and prefix is made once and copied
    (1.1 µs an id instead of 1.8)."""

    def __init__(self, hmac_key: bytes):
        self._start = hmac.new(hmac_key, TRACE_PREFIX, "sha256")

    def __call__(self, trace_id: str) -> bytes:
        state = self._start.copy()
        state.update(trace_id.lower().encode())
        return state.digest()[:TRACE_KEY_BYTES]


def quoted_strings(text: str) -> set[str]:
    """The JSON strings of a raw excerpt: where ids of people and traces would be."""
    return set(_QUOTED.findall(text))


class Suppression:
    """The suppression list as landing uses it: listed hashes, trace keys, and the traces it learns."""

    def __init__(
        self,
        subjects: dict[str, str],
        trace_keys: Iterable[bytes],
        hmac_key: bytes,
        index_path: Path | None = None,
    ):
        self.subjects = subjects  # user or session hash → the erasure request that listed it
        self.trace_keys = set(trace_keys)
        self._hmac_key = hmac_key
        self._key_of = TraceKeys(hmac_key)
        self._index_path = index_path  # where learned keys are recorded (None: only in memory)
        self.subject_values = pa.array(sorted(subjects), pa.string())
        self._verdicts: dict[str, bool] = {}
        self._hasher: SubjectHasher | None = None

    def __bool__(self) -> bool:
        return bool(self.subjects or self.trace_keys)

    def listed_subject(self, row: dict[str, Any]) -> str | None:
        """The row's listed user or session hash, if any."""
        for column in ("user_hash", "session_hash"):
            value = row.get(column)
            if value is not None and value in self.subjects:
                return value
        return None

    def trace_listed(self, trace_id: str) -> bool:
        verdict = self._verdicts.get(trace_id)
        if verdict is None:
            verdict = trace_id not in NO_TRACE and self._key_of(trace_id) in self.trace_keys
            if len(self._verdicts) >= MEMO_ENTRIES:
                self._verdicts.clear()
            self._verdicts[trace_id] = verdict
        return verdict

    def hits(self, row: dict[str, Any]) -> bool:
        if self.listed_subject(row) is not None:
            return True
        if not self.trace_keys or row.get("user_hash") is not None:
            return False
        trace = row.get("trace_id")
        return bool(trace) and self.trace_listed(trace)

    def names_anyone(self, excerpt: str) -> bool:
        """A quarantined excerpt quoting a listed user or session id, or a listed trace id."""
        if self._hasher is None:
            self._hasher = SubjectHasher(self._hmac_key)
        for token in quoted_strings(excerpt):
            if self._hasher(token) in self.subjects:
                return True
            if self.trace_keys and _HEX_ID.fullmatch(token) and self._key_of(token) in self.trace_keys:
                return True
        return False

    def names_exemplar(self, exemplar: dict[str, Any]) -> bool:
        """A metric exemplar of a listed trace, or whose attributes hold a listed hash."""
        trace = exemplar.get("trace_id")
        if trace and self.trace_listed(trace):
            return True
        attributes = exemplar.get("attributes")
        return isinstance(attributes, dict) and any(
            isinstance(v, str) and v in self.subjects for v in attributes.values()
        )

    def learn(self, found: Iterable[tuple[str | None, int | None, str]]) -> None:
        """(trace id, day number, listed hash) of listed people's rows: their traces join the list,
        here and in the index, under the request that listed the person."""
        new: dict[str, dict[bytes, str | None]] = {}
        for trace, day, subject in found:
            if not trace or trace in NO_TRACE:
                continue
            self._verdicts[trace] = True
            key = self._key_of(trace)
            if key in self.trace_keys:
                continue
            self.trace_keys.add(key)
            day_text = (_EPOCH + timedelta(days=day)).isoformat() if day is not None else None
            new.setdefault(self.subjects[subject], {})[key] = day_text
        if new and self._index_path is not None:
            at = datetime.now(UTC).isoformat(timespec="seconds")
            with SubjectIndex(self._index_path) as index:
                for request_id, keys in new.items():
                    index.suppress_traces(keys.items(), request_id, at, learned=True)


def without_exemplars(exemplars: str, gone: Callable[[dict[str, Any]], bool]) -> str | None:
    """A metric point's exemplars (JSON list) without the `gone` ones: the same string when none
    goes, None when none is left."""
    items = orjson.loads(exemplars)
    if not isinstance(items, list):
        return exemplars
    kept = [e for e in items if not (isinstance(e, dict) and gone(e))]
    if len(kept) == len(items):
        return exemplars
    return orjson.dumps(kept).decode() if kept else None


def load_suppression(settings: Settings) -> Suppression:
    path = subject_index_path(settings.state_dir)
    with SubjectIndex(path) as index:
        return Suppression(
            index.suppressed_requests(), index.suppressed_trace_keys(), settings.hmac_key, path
        )


def drop_suppressed(batch: Batch, suppressed: Suppression, counted: Iterable[str]) -> Counter[str]:
    """Drop the listed rows of a batch of row dicts (and its restricted content); returns the records
    dropped (rows of the `counted` tables) by input file."""
    tables = [*batch.rows.values(), batch.content]
    suppressed.learn(
        (row.get("trace_id"), row.get("_day"), subject)
        for rows in tables
        for row in rows
        if (subject := suppressed.listed_subject(row)) is not None
    )
    counted = frozenset(counted)
    dropped: Counter[str] = Counter()
    for table, rows in batch.rows.items():
        kept, gone = _split(rows, suppressed)
        if gone:
            batch.rows[table] = kept
            if table in counted:
                dropped.update(row["source_file_id"] for row in gone)
    batch.content = _split(batch.content, suppressed)[0]
    if suppressed.trace_keys:  # other people's rows keep no pointer to a listed trace
        for row in batch.rows.get("span_links", ()):
            linked = row.get("linked_trace_id")
            if linked and suppressed.trace_listed(linked):
                row["linked_trace_id"] = row["linked_span_id"] = None
        for row in batch.rows.get("metric_points", ()):
            if row.get("exemplars"):
                row["exemplars"] = without_exemplars(row["exemplars"], suppressed.names_exemplar)
    return dropped


def _split(rows: list[dict[str, Any]], suppressed: Suppression) -> tuple[list, list]:
    kept: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    for row in rows:
        (gone if suppressed.hits(row) else kept).append(row)
    return kept, gone


def drop_suppressed_arrow(arrow: pa.Table, suppressed: Suppression) -> tuple[pa.Table, int]:
    """`drop_suppressed` for an Arrow table of the native decoder: (rows kept, rows dropped). Only
    typed Arrow values here: a Python scalar in a compute call would make pyarrow import pandas."""
    subjects = suppressed.subject_values
    hit = pc.or_(
        pc.fill_null(pc.is_in(arrow["user_hash"], value_set=subjects), False),
        pc.fill_null(pc.is_in(arrow["session_hash"], value_set=subjects), False),
    )
    if pc.any(hit).as_py():
        rows = arrow.filter(hit).select(["trace_id", "_day", "user_hash", "session_hash"]).to_pylist()
        suppressed.learn((r["trace_id"], r["_day"], suppressed.listed_subject(r)) for r in rows)
    if suppressed.trace_keys:
        listed = [t for t in pc.unique(arrow["trace_id"]).to_pylist() if t and suppressed.trace_listed(t)]
        if listed:
            in_trace = pc.fill_null(
                pc.is_in(arrow["trace_id"], value_set=pa.array(listed, pa.string())), False
            )
            hit = pc.or_(hit, pc.and_(in_trace, pc.is_null(arrow["user_hash"])))
    dropped = pc.sum(pc.cast(hit, pa.int64())).as_py() or 0
    if suppressed.trace_keys and "linked_trace_id" in arrow.column_names:
        arrow = _unlinked(arrow, suppressed)
    return (arrow.filter(pc.invert(hit)), dropped) if dropped else (arrow, 0)


def _unlinked(links: pa.Table, suppressed: Suppression) -> pa.Table:
    """Span links pointing to a listed trace lose the pointer (the linking span is someone else's)."""
    column = links["linked_trace_id"]
    listed = [t for t in pc.unique(column).to_pylist() if t and suppressed.trace_listed(t)]
    if not listed:
        return links
    hit = pc.fill_null(pc.is_in(column, value_set=pa.array(listed, pa.string())), False)
    for name in ("linked_trace_id", "linked_span_id"):
        i = links.schema.get_field_index(name)
        cleared = pc.if_else(hit, pa.nulls(links.num_rows, links.schema.field(i).type), links[name])
        links = links.set_column(i, links.schema.field(i), cleared)
    return links


def drop_suppressed_quarantine(rows: list[dict[str, Any]], suppressed: Suppression) -> Counter[str]:
    """Drop quarantine entries whose excerpt names a listed id (in place); returns the records they
    stood for, by input file: those are suppressed, not quarantined."""
    dropped: Counter[str] = Counter()
    kept = []
    for row in rows:
        excerpt = row.get("raw_excerpt")
        if excerpt and suppressed.names_anyone(excerpt):
            dropped[row["source_file_id"]] += row.get("records") or 0
        else:
            kept.append(row)
    rows[:] = kept
    return dropped
