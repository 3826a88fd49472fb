"""Reading restricted prompt/response content: only through here, and every read is logged.

Restricted content lives in ``<data>/restricted/content/`` (not in the lake, not a dbt source, not
in the warehouse), so analysts never meet it by default. Each read writes who, when, what was asked
for, why, and how many rows came back to the ledger's ``content_access`` table, before the rows are
returned.
"""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.compliance.ledger import Ledger
from orchestration.lake.privacy import SubjectHasher
from orchestration.settings import Settings


def read_content(
    settings: Settings,
    *,
    trace_id: str | None = None,
    user_id: str | None = None,
    reason: str | None = None,
    command: str = "content show",
    limit: int = 1000,
) -> list[dict[str, Any]]:
    if not trace_id and not user_id:
        raise ValueError("name a trace id or a user id")
    subject = SubjectHasher(settings.hmac_key)(user_id) if user_id else None
    files = sorted(str(p) for p in settings.restricted_dir.glob("date=*/*.parquet"))
    rows: list[dict[str, Any]] = []
    if files:
        where, params = [], []
        if trace_id:
            where.append("trace_id = ?")
            params.append(trace_id.lower())
        if subject:
            where.append("user_hash = ?")
            params.append(subject)
        with duckdb.connect() as con:
            cursor = con.execute(
                "select trace_id, span_id, source_table, attribute_key, event_at, expires_at, content "
                f"from read_parquet(?, union_by_name=true) where {' and '.join(where)} "
                "and (expires_at is null or expires_at > now()) order by event_at, span_id, attribute_key limit ?",
                [files, *params, limit],
            )
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    with Ledger(settings) as ledger:
        ledger.log_access(command, trace_id, subject, reason, len(rows))
    return rows
