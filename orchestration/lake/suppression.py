"""Rows of erased subjects are not landed again (late files, replays): they are dropped at landing and
counted as suppressed."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.lake.normalize import Batch

RECORD_TABLES = ("spans", "logs", "metric_points")


def drop_suppressed(batch: Batch, suppressed: frozenset[str]) -> Counter[str]:
    """Drop the batch's rows of erased subjects; returns the records dropped, by input file."""
    dropped: Counter[str] = Counter()
    for table, rows in batch.rows.items():
        kept = [
            r
            for r in rows
            if r.get("user_hash") not in suppressed and r.get("session_hash") not in suppressed
        ]
        if len(kept) != len(rows):
            if table in RECORD_TABLES:
                dropped.update(
                    r["source_file_id"]
                    for r in rows
                    if r.get("user_hash") in suppressed or r.get("session_hash") in suppressed
                )
            batch.rows[table] = kept
    batch.content = [
        r
        for r in batch.content
        if r.get("user_hash") not in suppressed and r.get("session_hash") not in suppressed
    ]
    return dropped


def drop_suppressed_arrow(arrow: pa.Table, suppressed: frozenset[str]) -> tuple[pa.Table, int]:
    """`drop_suppressed` for an Arrow table of the native decoder: (rows kept, rows dropped). Only
    typed Arrow values here: a Python scalar in a compute call would make pyarrow import pandas."""
    erased = pa.array(sorted(suppressed), pa.string())
    hit = pc.or_kleene(
        pc.is_in(arrow["user_hash"], value_set=erased), pc.is_in(arrow["session_hash"], value_set=erased)
    )
    dropped = pc.sum(pc.cast(hit, pa.int64())).as_py() or 0
    return (arrow.filter(pc.invert(hit)), dropped) if dropped else (arrow, 0)
