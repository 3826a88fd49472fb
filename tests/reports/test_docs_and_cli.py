"""`dbt docs generate` works and documents every mart column; the report command and Dagster asset work."""

from __future__ import annotations

import json
import subprocess
import sys

from orchestration.warehouse.dbt_runner import dbt_target_dir, run_dbt
from tests.reports.conftest import REPORT_MONTH


def test_docs_generate_and_every_mart_column_is_described(warehouse) -> None:
    result = run_dbt(warehouse, ["docs", "generate", "--static"])
    assert result.success, result.output_tail
    target = dbt_target_dir(warehouse)
    assert (target / "static_index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    marts = {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["fqn"][1:2] == ["marts"]
    }
    assert len(marts) >= 7
    undocumented = []
    for uid, node in marts.items():
        if not node["description"]:
            undocumented.append(node["name"])
        built_columns = catalog["nodes"][uid]["columns"]  # the columns the table really has
        documented = {k.lower(): v.get("description") for k, v in node["columns"].items()}
        undocumented += [f"{node['name']}.{c}" for c in built_columns if not documented.get(c.lower())]
    assert undocumented == []
    assert {
        "exposure.spanledger.chargeback_report",
        "exposure.spanledger.saved_query_unpriced_models",
    } <= set(manifest["exposures"])


def _cli(data_dir, *args):
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_report_command_json_and_one_line_errors(warehouse, tmp_path) -> None:
    proc = _cli(
        warehouse.data_dir,
        "report",
        "chargeback",
        "--month",
        str(REPORT_MONTH),
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert (
        info["month"] == "2025-02" and info["rows"] > 0 and (tmp_path / "2025-02" / "summary.json").exists()
    )

    for bad, expected in (
        (["--month", "2025-13"], "is not YYYY-MM"),
        (["--month", "2019-01"], "pick another --month"),
    ):
        proc = _cli(warehouse.data_dir, "report", "chargeback", *bad, "--out", str(tmp_path))
        assert proc.returncode == 2 and expected in proc.stderr
        assert "Traceback" not in proc.stderr
    proc = _cli(tmp_path / "empty", "report", "chargeback")
    assert proc.returncode == 2 and "spanledger run" in proc.stderr


def test_dagster_asset_materializes_a_month_with_passing_checks(warehouse) -> None:
    from dagster import DagsterInstance, materialize

    from orchestration.defs.reports.assets import chargeback_monthly
    from orchestration.defs.resources import SpanledgerResource

    result = materialize(
        [chargeback_monthly],
        partition_key=REPORT_MONTH.start.isoformat(),
        resources={"spanledger": SpanledgerResource(data_dir=str(warehouse.data_dir))},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"focus_conformant": True, "reconciles_with_mart": True}
    assert (warehouse.reports_dir / "chargeback" / "2025-02" / "chargeback-2025-02.html").exists()


def test_schedule_asks_for_the_month_just_ended() -> None:
    from datetime import UTC, datetime

    from dagster import build_schedule_context

    from orchestration.defs.reports.definitions import chargeback_monthly_schedule

    request = chargeback_monthly_schedule(
        build_schedule_context(scheduled_execution_time=datetime(2025, 3, 2, 4, tzinfo=UTC))
    )
    assert request.partition_key == "2025-02-01"
