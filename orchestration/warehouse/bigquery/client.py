"""A google-cloud-bigquery client for a config: Google's default credentials, or anonymous ones
against an explicit endpoint (a local emulator)."""

from __future__ import annotations

from google.cloud import bigquery

from orchestration.warehouse.bigquery.config import BigQueryConfig


def make_client(config: BigQueryConfig) -> bigquery.Client:
    if config.api_endpoint:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(
            project=config.project,
            location=config.location,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=config.api_endpoint),
        )
    return bigquery.Client(project=config.project, location=config.location)
