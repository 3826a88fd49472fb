"""The BigQuery client as a Dagster resource; defaults come from the environment (config.py)."""

from __future__ import annotations

from dagster import ConfigurableResource
from google.cloud import bigquery

from orchestration.warehouse.bigquery.client import make_client
from orchestration.warehouse.bigquery.config import BigQueryConfig


class BigQueryResource(ConfigurableResource):
    project: str | None = None  # None: SPANLEDGER_BQ_PROJECT / GOOGLE_CLOUD_PROJECT
    location: str | None = None

    def config(self) -> BigQueryConfig:
        from dataclasses import replace

        base = BigQueryConfig.from_env()
        return replace(base, project=self.project or base.project, location=self.location or base.location)

    def client(self) -> bigquery.Client:
        return make_client(self.config())
