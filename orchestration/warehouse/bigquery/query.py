"""`spanledger query` on BigQuery: the analysts' DuckDB SQL, translated and run read-only.

The saved queries in sql/ (and query strings) are written against the DuckDB warehouse, where
dbt's layers are schemas (`finops.fct_llm_costs_daily`). On BigQuery dbt builds them into the
datasets `<SPANLEDGER_BQ_DATASET>_<schema>` (macros/generate_schema_name.sql), so the same SQL is

- transpiled from DuckDB to BigQuery SQL with sqlglot;
- given exact aggregate percentiles as BigQuery's approximate ones: BigQuery has PERCENTILE_CONT only
  as an analytic function, so `quantile_cont(x, q)` / `median(x)` / `percentile_cont(q) within group
  (order by x)` become `approx_quantiles(x, 1000)[offset(q * 1000)]`, as dbt's `percentile` macro does;
- qualified: `<schema>.<table>` → `<project>.<dataset>_<schema>.<table>`, the loaded sources (the lake
  and compliance datasets) keep their dataset, `main.<table>` and bare names go to `<dataset>` (the
  job's default dataset); names with a project and CTE names are left alone.

Only queries run, read-only as on DuckDB: sqlglot refuses any statement that is not a query and any query
holding one that writes (`WITH d AS (DELETE … RETURNING *)`); then a dry run lets BigQuery itself say
what the statement is, and anything but a SELECT is refused before it runs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError

from orchestration.warehouse.bigquery.config import BigQueryConfig

APPROX_QUANTILE_BUCKETS = 1000
# Transient API errors (a dropped connection, 5xx) are retried this long, not the client's 10 minutes:
# an interactive command with a wrong endpoint or no network should say so.
API_RETRY_SECONDS = 60.0
# Schemas that are not dbt layers: left as they are.
PASSTHROUGH_SCHEMAS = ("information_schema",)
# Statements that change something, wherever they sit in a query's tree.
WRITING_NODES = (
    exp.DML,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Grant,
    exp.Revoke,
    exp.Export,
    exp.Attach,
    exp.Detach,
    exp.Install,
    exp.Pragma,
)


class QueryError(Exception):
    """One line for the user: the SQL cannot be translated, is not a query, or BigQuery refused it."""


@dataclass(frozen=True)
class QueryResult:
    names: list[str]
    rows: list[tuple[Any, ...]]
    sql: str  # what ran on BigQuery


def source_datasets(config: BigQueryConfig) -> set[str]:
    """Datasets that hold loaded sources under the same name on both warehouses."""
    return {config.lake_dataset, os.environ.get("SPANLEDGER_COMPLIANCE_SCHEMA", "compliance")}


def dataset_for_schema(schema: str, config: BigQueryConfig) -> str:
    """The BigQuery dataset dbt builds a DuckDB schema into (see macros/generate_schema_name.sql)."""
    if schema.lower() == "main":
        return config.warehouse_dataset  # DuckDB's default schema ~ dbt's target dataset
    if (
        schema in source_datasets(config)
        or schema.lower() in PASSTHROUGH_SCHEMAS
        or schema == config.warehouse_dataset
        or schema.startswith(f"{config.warehouse_dataset}_")
    ):
        return schema  # a loaded source, or already the BigQuery dataset's name
    return f"{config.warehouse_dataset}_{schema}"


def _approx_quantile(value: exp.Expression, fraction: exp.Expression) -> exp.Expression | None:
    if not isinstance(fraction, exp.Literal) or fraction.is_string:
        return None  # an array of fractions or an expression: left for BigQuery to refuse
    offset = round(float(fraction.this) * APPROX_QUANTILE_BUCKETS)
    if not 0 <= offset <= APPROX_QUANTILE_BUCKETS:
        return None
    template = sqlglot.parse_one(
        f"approx_quantiles(__value__, {APPROX_QUANTILE_BUCKETS})[offset({offset})]", read="bigquery"
    )
    placeholder = next(c for c in template.find_all(exp.Column) if c.name == "__value__")
    placeholder.replace(value.copy())
    return template


def _rewrite_percentile(node: exp.Expression) -> exp.Expression:
    """Aggregate percentiles (not analytic ones) → approx_quantiles, BigQuery's only aggregate quantile."""
    if isinstance(node.parent, exp.Window):
        return node
    replacement = None
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, (exp.PercentileCont, exp.PercentileDisc)):
        order = node.expression
        ordered = order.expressions if isinstance(order, exp.Order) else []
        if len(ordered) == 1 and isinstance(ordered[0], exp.Ordered) and not ordered[0].args.get("desc"):
            replacement = _approx_quantile(ordered[0].this, node.this.this)
    elif isinstance(node, (exp.PercentileCont, exp.PercentileDisc)) and node.expression is not None:
        replacement = _approx_quantile(node.this, node.expression)
    elif isinstance(node, exp.Quantile):
        replacement = _approx_quantile(node.this, node.args["quantile"])
    elif isinstance(node, exp.Median):
        replacement = _approx_quantile(node.this, exp.Literal.number(0.5))
    return replacement or node


def _qualify_tables(statement: exp.Expression, config: BigQueryConfig) -> None:
    for table in list(statement.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier) or table.catalog:
            continue  # a table function, or already project-qualified
        if not table.db:
            continue  # a CTE, or a bare name: the job's default dataset, as DuckDB's `main`
        dataset = dataset_for_schema(table.db, config)
        table.set("db", exp.to_identifier(dataset, quoted=True))
        table.set("catalog", exp.to_identifier(config.project, quoted=True))  # projects may have dashes


def to_bigquery_sql(sql: str, config: BigQueryConfig) -> str:
    """DuckDB SQL → BigQuery SQL against the datasets dbt builds into. Raises QueryError."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        where = f" (line {first['line']}, column {first['col']})" if first.get("line") else ""
        raise QueryError(
            f"cannot parse the SQL{where}: {first.get('description') or str(err).splitlines()[0]}"
        ) from None
    if not statements:
        raise QueryError("no SQL to run")
    translated = []
    for statement in statements:
        writing = statement if not isinstance(statement, exp.Query) else statement.find(*WRITING_NODES)
        if writing is not None:
            raise QueryError(f"only queries run against the warehouse (read-only), not {writing.key.upper()}")
        statement = statement.transform(_rewrite_percentile)
        _qualify_tables(statement, config)
        try:
            # without comments: a saved query's header declares `$name` parameters, and a comment
            # holding `@name` is not something to send with query parameters (the emulator binds it)
            translated.append(
                statement.sql(
                    dialect="bigquery", pretty=True, comments=False, unsupported_level=ErrorLevel.RAISE
                )
            )
        except SqlglotError as err:
            raise QueryError(f"cannot translate to BigQuery SQL: {str(err).splitlines()[0]}") from None
    return ";\n".join(translated)


def _error_line(err: Exception) -> str:
    errors = getattr(err, "errors", None) or []
    message = (
        (errors[0].get("message") if errors and isinstance(errors[0], dict) else None)
        or getattr(err, "message", None)
        or str(err)
    )
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _unreachable(err: BaseException, config: BigQueryConfig) -> str:
    """urllib3's message is a paragraph; its errno's text ("Connection refused") is what matters."""
    text = _error_line(err) if isinstance(err, Exception) else str(err)
    reason = re.search(r"\[Errno -?\d+\] ([^'\"()]+)", text)
    where = config.api_endpoint or "bigquery.googleapis.com"
    return f"cannot reach BigQuery at {where}: {reason.group(1).strip() if reason else text[:160]}"


def _job_failed_transiently(exc: Exception) -> bool:
    """Restart a query whose job failed for BigQuery's own reasons (backend error, rate limit), not on
    connection errors: the client's default also restarts on those, for 40 minutes."""
    from google.api_core.exceptions import RetryError
    from google.cloud.bigquery.retry import job_retry_reasons

    if isinstance(exc, RetryError):
        exc = exc.cause
    errors = getattr(exc, "errors", None) or []
    return bool(errors) and isinstance(errors[0], dict) and errors[0].get("reason") in job_retry_reasons


def _tidy(value: Any) -> Any:
    """NUMERIC arrives with BigQuery's fixed scale of 9 (4.000000000): without the trailing zeros."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return value
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def run_query(
    sql: str,
    config: BigQueryConfig | None = None,
    client: Any = None,
    parameters: dict[str, tuple[str, Any]] | None = None,
) -> QueryResult:
    """Translate and run DuckDB SQL on BigQuery; column names and rows (Python values). `parameters`:
    name → (BigQuery type, value) of the SQL's `$name` parameters (`@name` on BigQuery)."""
    from google.api_core.exceptions import GoogleAPIError, RetryError
    from google.auth.exceptions import GoogleAuthError
    from google.cloud import bigquery
    from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY

    config = config or BigQueryConfig.from_env()
    bq_sql = to_bigquery_sql(sql, config)
    try:
        if client is None:
            from orchestration.warehouse.bigquery.client import make_client

            client = make_client(config)
        default_dataset = f"{config.project}.{config.warehouse_dataset}"
        bound = [
            bigquery.ScalarQueryParameter(name, kind, value)
            for name, (kind, value) in sorted((parameters or {}).items())
        ]
        job_config = bigquery.QueryJobConfig(default_dataset=default_dataset, query_parameters=bound)
        retry = DEFAULT_RETRY.with_timeout(API_RETRY_SECONDS)
        job_retry = DEFAULT_JOB_RETRY.with_predicate(_job_failed_transiently)
        dry_run = bigquery.QueryJobConfig(
            default_dataset=default_dataset, dry_run=True, use_query_cache=False, query_parameters=bound
        )
        statement_type = client.query(bq_sql, job_config=dry_run, retry=retry, job_retry=None).statement_type
        if statement_type != "SELECT":
            raise QueryError(
                f"BigQuery reads this as {statement_type or 'an unknown statement'}: only queries run "
                "against the warehouse (read-only)"
            )
        # no job_retry on the insert: the client's wraps it in 10 more minutes of retries on connection errors
        job = client.query(bq_sql, job_config=job_config, retry=retry, job_retry=None)
        table = job.result(retry=retry, job_retry=job_retry).to_arrow(create_bqstorage_client=False)
    except RetryError as err:
        raise QueryError(_unreachable(err.cause or err, config)) from None
    except (GoogleAPIError, GoogleAuthError) as err:
        raise QueryError(_error_line(err)) from None
    except OSError as err:  # requests' connection errors: no network, a wrong endpoint
        raise QueryError(_unreachable(err, config)) from None
    names = list(table.column_names)
    rows = [
        tuple(_tidy(v) for v in row)
        for row in zip(*(column.to_pylist() for column in table.columns), strict=True)
    ]
    return QueryResult(names=names, rows=rows, sql=bq_sql)
