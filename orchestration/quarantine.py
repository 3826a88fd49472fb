"""Reading the quarantine: what was set aside, why, and how much."""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.settings import Settings


def quarantine_summary(settings: Settings, limit: int = 20) -> list[dict[str, Any]]:
    files = list(settings.quarantine_dir.glob("date=*/*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    try:
        rows = con.execute(
            "select field, regexp_replace(reason, '''[^'']*''|\\d+', '…', 'g') as reason, count(*), sum(records) "
            "from read_parquet(?) group by all order by 4 desc limit ?",
            [[str(f) for f in files], limit],
        ).fetchall()
    finally:
        con.close()
    return [{"field": f, "reason": r, "entries": n, "records": int(k)} for f, r, n, k in rows]
