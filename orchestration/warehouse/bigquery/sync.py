"""Before dbt builds on BigQuery: the lake days that changed go there (and, by the caller, the compliance
export: orchestration/compliance/bigquery_export.py).

What `spanledger run` and `spanledger build` do with SPANLEDGER_WAREHOUSE=bigquery (the Dagster
daily job does the same with its load assets): dbt's sources read the loaded copies, not the lake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from orchestration.settings import Settings
from orchestration.warehouse.bigquery.loader import DayLoad


@dataclass
class SyncReport:
    destination: str  # project.lake_dataset
    loads: list[DayLoad] = field(default_factory=list)

    @property
    def loaded(self) -> list[DayLoad]:
        return [item for item in self.loads if not item.skipped]


def load_changed_days(
    settings: Settings, touched: Mapping[str, Iterable[str]] | None = None, *, client=None, config=None
) -> SyncReport:
    """Load every lake day that differs from BigQuery (`loader.days_to_load`; `touched` = the days a
    landing just wrote). Idempotent: an unchanged lake loads nothing."""
    from orchestration.warehouse.bigquery.client import make_client
    from orchestration.warehouse.bigquery.config import BigQueryConfig
    from orchestration.warehouse.bigquery.loader import DayLoader

    config = config or BigQueryConfig.from_env()
    client = client or make_client(config)
    report = SyncReport(f"{config.project}.{config.lake_dataset}")
    report.loads = DayLoader(client, config, settings).load_changed(touched)
    return report
