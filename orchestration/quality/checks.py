"""Run the suites on the data: one lake partition, one mart (or one date of it), or everything."""

from __future__ import annotations

from datetime import date

from orchestration.quality.data import daily_row_counts, lake_days, read_mart, read_partition
from orchestration.quality.lake_suites import VOLUME_TRAILING_DAYS, lake_suite
from orchestration.quality.mart_suites import MARTS, mart_suite
from orchestration.quality.rules import ERROR
from orchestration.quality.runner import Outcome, SuiteResult, validate
from orchestration.settings import Settings

CHECKED_LAKE_TABLES = ("spans", "span_events", "span_links", "logs", "metric_points")


def check_lake_partition(settings: Settings, table: str, day: date | str) -> SuiteResult:
    """The table's suite on one partition date; unreadable files fail it with their paths."""
    day = date.fromisoformat(str(day))
    target = f"lake/{table}/date={day}"
    data = read_partition(settings, table, day)
    history = daily_row_counts(settings, table, day, VOLUME_TRAILING_DAYS)
    suite = lake_suite(table, day, history)
    if data.table is None:
        result = SuiteResult(suite.name, target, str(day), 0)
    else:
        result = validate(data.table.to_pandas(), suite, target, str(day))
    result.outcomes.insert(
        0,
        Outcome(
            expectation="arrow_schema_matches_lake_schema",
            column=None,
            expected="orchestration/lake/schema.py",
            severity=ERROR,
            why="every file has the lake's column types",
            success=not data.schema_mismatches,
            observed="; ".join(f"{path}: {d}" for path, d in data.schema_mismatches.items())[:1000]
            or f"{len(data.files) - len(data.unreadable)} file(s) agree",
        ),
    )
    result.errors += [f"unreadable Parquet file {path}: {error}" for path, error in data.unreadable.items()]
    if not data.files:
        result.notes.append(f"no files in {target}")
    return result


def check_mart(settings: Settings, relation: str, day: date | str | None = None) -> SuiteResult:
    """A mart's suite on the whole table, or on one date when `day` is given."""
    target = MARTS[relation]
    suite = mart_suite(relation)
    if not settings.warehouse_path.exists():
        return SuiteResult(
            suite.name,
            relation,
            None if day is None else str(day),
            0,
            errors=[f"no warehouse at {settings.warehouse_path}"],
        )
    try:
        frame = read_mart(settings, relation, date_column=target.date_column, day=day)
    except Exception as err:  # noqa: BLE001 - a missing table or a locked file is a result, not a crash
        return SuiteResult(
            suite.name,
            relation,
            None if day is None else str(day),
            0,
            errors=[f"cannot read {relation}: {str(err).splitlines()[0]}"],
        )
    return validate(frame, suite, relation, None if day is None else str(day))


def check_lake(
    settings: Settings, days: list[str] | None = None, tables: tuple[str, ...] = CHECKED_LAKE_TABLES
) -> list[SuiteResult]:
    """Every (table, date) of the lake, or only the given dates."""
    results = []
    for table in tables:
        for day in lake_days(settings, table):
            if days is None or day in days:
                results.append(check_lake_partition(settings, table, day))
    return results


def check_marts(settings: Settings) -> list[SuiteResult]:
    return [check_mart(settings, relation) for relation in MARTS]


def run_dbt_tests(settings: Settings, lock_timeout: float | None = None):
    """`dbt test` on the current warehouse (under the warehouse lock), summarised."""
    from orchestration.quality.report import DbtTestSummary
    from orchestration.warehouse.dbt_runner import run_dbt

    if settings.warehouse == "duckdb" and not settings.warehouse_path.exists():
        return DbtTestSummary(
            False, False, f"no warehouse at {settings.warehouse_path}; run `spanledger build`"
        )
    result = run_dbt(settings, ["test"], lock_timeout=lock_timeout)
    summary = result.summary if result.statuses else (result.output_tail.splitlines() or ["no output"])[-1]
    return DbtTestSummary(
        True, result.success, summary, result.failures, str(result.log_path) if result.log_path else None
    )


def run_quality(
    settings: Settings,
    *,
    lake_scan: bool = True,
    suites: bool = True,
    dbt_tests: bool = True,
    days: list[str] | None = None,
    lock_timeout: float | None = None,
    progress=None,
):
    """Everything `spanledger check` does: lake scan, lake and mart suites, dbt tests."""
    from orchestration.quality.lake_scan import scan_lake
    from orchestration.quality.report import new_report

    say = progress or (lambda _msg: None)
    report = new_report()
    if lake_scan:
        say("reading every Parquet footer of the lake")
        report.lake_files_scanned, report.lake_problems = scan_lake(settings)
    if suites:
        say("lake suites")
        report.suites += check_lake(settings, days)
        if settings.warehouse_path.exists():
            say("mart suites")
            report.suites += check_marts(settings)
    if dbt_tests:
        say("dbt test")
        report.dbt = run_dbt_tests(settings, lock_timeout)
    return report
