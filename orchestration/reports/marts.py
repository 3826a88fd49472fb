"""Read FinOps mart rows for the reports from either warehouse, read-only.

The reports hold no business logic: they select rows of the marts by month and format them. The same
(DuckDB) SQL runs on BigQuery through orchestration/warehouse/bigquery/query.py, which translates it
and maps `finops.<table>` to dbt's dataset; `$name` parameters bind on both.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb


class ReportError(Exception):
    """A report cannot be made (no warehouse, no data for the month); the message says what to do."""


Params = dict[str, date | str]


class Marts(Protocol):
    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]: ...


class DuckDBMarts:
    """The DuckDB warehouse file, opened read-only for each query (a build may swap it in between)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            raise ReportError(f"no warehouse at {self.path}")
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as err:
            raise ReportError(f"cannot open the warehouse {self.path}: {str(err).splitlines()[0]}") from None
        try:
            cursor = con.execute(sql, params or {})
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        except duckdb.CatalogException as err:
            raise ReportError(
                f"the warehouse lacks a table the report needs ({str(err).splitlines()[0]}); "
                "run `spanledger build`"
            ) from None
        finally:
            con.close()


class BigQueryMarts:
    """dbt's BigQuery datasets (SPANLEDGER_BQ_* settings, docs/bigquery.md)."""

    def __init__(self, config: Any = None, client: Any = None) -> None:
        from orchestration.warehouse.bigquery.config import BigQueryConfig

        self.config = config or BigQueryConfig.from_env()
        self.client = client

    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        from orchestration.warehouse.bigquery.query import QueryError, run_query

        typed = {name: ("DATE" if isinstance(v, date) else "STRING", v) for name, v in (params or {}).items()}
        try:
            result = run_query(sql, self.config, client=self.client, parameters=typed)
        except QueryError as err:
            raise ReportError(f"BigQuery refused a report query: {err}; run `spanledger build`") from None
        return [dict(zip(result.names, r, strict=True)) for r in result.rows]


def marts_for(settings: Any) -> Marts:
    """The marts of the configured warehouse (SPANLEDGER_WAREHOUSE)."""
    if settings.warehouse == "bigquery":
        return BigQueryMarts()
    return DuckDBMarts(settings.warehouse_path)


def as_marts(source: Marts | Path | str) -> Marts:
    """A path means the DuckDB warehouse file."""
    return DuckDBMarts(Path(source)) if isinstance(source, Path | str) else source
