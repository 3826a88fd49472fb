"""Reading the quarantine: what was set aside, why, and how much."""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.settings import Settings

# Group by the reason's shape: quoted values and JSON positions differ from entry to entry.
_SHAPE_SQL = """
select field,
       regexp_replace(regexp_replace(reason, $$'[^']*'$$, '…', 'g'),
                      'line [0-9]+ column [0-9]+ [(]char [0-9]+[)]', 'line …', 'g') as reason_shape,
       count(*) as entries, sum(records) as records
from read_parquet(?)
group by all
order by records desc, reason_shape
limit ?
"""


def quarantine_summary(settings: Settings, limit: int = 20) -> list[dict[str, Any]]:
    files = list(settings.quarantine_dir.glob("date=*/*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    try:
        rows = con.execute(_SHAPE_SQL, [[str(f) for f in files], limit]).fetchall()
    finally:
        con.close()
    return [{"field": f, "reason": r, "entries": n, "records": int(k)} for f, r, n, k in rows]
