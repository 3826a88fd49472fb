"""Compare the marts of two DuckDB warehouses row for row (a refactor of the dbt models must not change them).

    python scripts/compare_marts.py BEFORE.duckdb AFTER.duckdb [--schemas finops reliability evals]

Build the same lake twice, once with each version of the dbt project, then compare. Every table of the
given schemas must have the same columns in the same order with the same types, and the same rows:
EXCEPT ALL both ways, so duplicates count and floats must be equal to the bit. Exit status 1 on any
difference.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

MART_SCHEMAS = ("finops", "reliability", "evals", "quality")


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = ? and table_type = 'BASE TABLE' and list_contains(?, table_schema)",
        [catalog, list(schemas)],
    ).fetchall()
    return {name for (name,) in rows}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, name],
    ).fetchall()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(f"select count(*) from ({sql})").fetchone()[0]


def compare(before: str, after: str, schemas: tuple[str, ...]) -> list[dict]:
    """One entry per table: row counts, rows only before / only after, and what differs."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before (read_only)")
    con.execute(f"attach '{after}' as after (read_only)")
    old, new = _tables(con, "before", schemas), _tables(con, "after", schemas)
    results = []
    for table in sorted(old | new):
        entry = {"table": table, "problem": ""}
        results.append(entry)
        if table not in new or table not in old:
            entry["problem"] = "missing after" if table not in new else "new table"
            continue
        if _columns(con, "before", table) != _columns(con, "after", table):
            entry["problem"] = "columns differ"
            continue
        a, b = f"before.{table}", f"after.{table}"
        entry["rows_before"] = _count(con, f"select * from {a}")
        entry["rows_after"] = _count(con, f"select * from {b}")
        entry["only_before"] = _count(con, f"select * from {a} except all select * from {b}")
        entry["only_after"] = _count(con, f"select * from {b} except all select * from {a}")
        if entry["only_before"] or entry["only_after"]:
            entry["problem"] = "rows differ"
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schemas", nargs="+", default=list(MART_SCHEMAS))
    args = parser.parse_args()
    results = compare(args.before, args.after, tuple(args.schemas))
    print(
        f"{'table':48} {'rows before':>12} {'rows after':>11} {'only before':>12} {'only after':>11}  verdict"
    )
    for r in results:
        counts = [r.get(k, "") for k in ("rows_before", "rows_after", "only_before", "only_after")]
        print(
            f"{r['table']:48} {counts[0]:>12} {counts[1]:>11} {counts[2]:>12} {counts[3]:>11}  "
            f"{r['problem'] or 'equal'}"
        )
    different = [r["table"] for r in results if r["problem"]]
    print(f"{len(results) - len(different)} of {len(results)} tables equal")
    return 1 if different or not results else 0


if __name__ == "__main__":
    sys.exit(main())
