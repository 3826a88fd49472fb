"""Where the BigQuery warehouse is: project, datasets, location, lake URI, how days are replaced.

Credentials come from Google's usual environment (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC,
workload identity). SPANLEDGER_BQ_API_ENDPOINT points the client at another endpoint (a local
emulator) with anonymous credentials.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# BigQuery keeps changed or deleted rows for the dataset's time-travel window (2 to 7 days,
# default 7), then for a fail-safe period of 7 days that only Google can read. Deleted data is
# gone for good only after both.
DEFAULT_TIME_TRAVEL_HOURS = 168
FAIL_SAFE_HOURS = 168

DAY_REPLACE_STRATEGIES = ("decorator", "merge")


@dataclass(frozen=True)
class BigQueryConfig:
    project: str
    location: str = "US"
    lake_dataset: str = "lake"  # the dbt sources' schema (SPANLEDGER_LAKE_SCHEMA)
    warehouse_dataset: str = "spanledger"  # dbt's target dataset; models go to <it>_<layer>
    lake_uri: str | None = None  # gs://bucket/prefix when the lake lives in a bucket
    api_endpoint: str | None = None  # e.g. http://127.0.0.1:9050 for an emulator
    # decorator: load job into table$YYYYMMDD with WRITE_TRUNCATE (free, atomic per partition).
    # merge: load into a staging table, then one MERGE replaces the day (for endpoints without
    # partition decorators, e.g. the emulator); same result, DML cost.
    day_replace: str = "decorator"
    time_travel_hours: int = DEFAULT_TIME_TRAVEL_HOURS

    @classmethod
    def from_env(cls) -> BigQueryConfig:
        env = os.environ
        endpoint = env.get("SPANLEDGER_BQ_API_ENDPOINT") or None
        project = (
            env.get("SPANLEDGER_BQ_PROJECT")
            or env.get("GOOGLE_CLOUD_PROJECT")
            or env.get("GCLOUD_PROJECT")
            or "spanledger-dev"
        )
        strategy = (env.get("SPANLEDGER_BQ_DAY_REPLACE") or ("merge" if endpoint else "decorator")).lower()
        if strategy not in DAY_REPLACE_STRATEGIES:
            raise ValueError(
                f"SPANLEDGER_BQ_DAY_REPLACE must be one of {DAY_REPLACE_STRATEGIES}, not {strategy!r}"
            )
        return cls(
            project=project,
            location=env.get("SPANLEDGER_BQ_LOCATION", "US"),
            lake_dataset=env.get("SPANLEDGER_LAKE_SCHEMA", "lake"),
            warehouse_dataset=env.get("SPANLEDGER_BQ_DATASET", "spanledger"),
            lake_uri=(env.get("SPANLEDGER_LAKE_URI") or "").rstrip("/") or None,
            api_endpoint=endpoint,
            day_replace=strategy,
            time_travel_hours=int(env.get("SPANLEDGER_BQ_TIME_TRAVEL_HOURS", str(DEFAULT_TIME_TRAVEL_HOURS))),
        )

    def table_id(self, table: str, dataset: str | None = None) -> str:
        return f"{self.project}.{dataset or self.lake_dataset}.{table}"
