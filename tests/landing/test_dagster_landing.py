"""The landing asset in a real in-process Dagster run: metadata reconciles, partitions are reported."""

from __future__ import annotations

from datetime import date

from dagster import AssetKey, DagsterInstance, materialize

from orchestration.defs.landing.assets import lake_landing
from orchestration.defs.landing.sensors import _pending_files
from orchestration.defs.resources import SpanledgerResource
from orchestration.generator import GeneratorConfig, generate
from orchestration.native import decoder as native
from orchestration.native import hot_path


def test_definitions_load():
    from orchestration.definitions import defs

    keys = defs.get_repository_def().asset_graph.get_all_asset_keys()
    assert AssetKey(["lake", "landing"]) in keys and AssetKey(["lake", "spans"]) in keys


def test_landing_asset_materializes_with_reconciled_metadata(settings, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_SETTLE_SECONDS", "0")
    summary = generate(
        GeneratorConfig(
            out_dir=settings.inbox_dir, days=2, start_date=date(2026, 3, 1), requests_per_day=40, seed=3
        )
    )
    resource = SpanledgerResource(data_dir=str(settings.data_dir))
    assert len(_pending_files(resource)) == len(summary.files)
    instance = DagsterInstance.ephemeral()
    result = materialize([lake_landing], resources={"spanledger": resource}, instance=instance)
    assert result.success
    mats = result.asset_materializations_for_node("lake__landing")
    landing = next(m for m in mats if m.asset_key == AssetKey(["lake", "landing"]))
    meta = {k: v.value for k, v in landing.metadata.items()}
    assert meta["records"] == meta["records_landed"] + meta["quarantined"]
    assert meta["records_landed"] == summary.spans + summary.log_records + summary.metric_points
    assert meta["files"] == len(summary.files)
    assert meta["hot_path"] == hot_path.summary()  # which build landed it, for whoever reads the run
    assert meta["native_decoder"] == native.status()
    span_partitions = {m.partition for m in mats if m.asset_key == AssetKey(["lake", "spans"])}
    assert span_partitions == {"2026-03-01", "2026-03-02"}
    assert _pending_files(resource) == []  # the sensor has nothing left to ask for
