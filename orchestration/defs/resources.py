"""Dagster resources shared by the areas: where the data directory and drop folders are."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource

from orchestration.settings import Settings

BUCKET_SCHEMES = ("gs://", "s3://")  # as orchestration.landing.buckets.uri, without importing landing here


class SpanledgerResource(ConfigurableResource):
    """The data directory and the inputs; defaults come from the environment."""

    data_dir: str = os.environ.get("SPANLEDGER_DATA_DIR", "data")
    # comma-separated folders, files or buckets (gs://bucket/prefix, s3://bucket/prefix); empty = <data_dir>/inbox
    inbox: str = os.environ.get("SPANLEDGER_INBOX", "")

    def settings(self) -> Settings:
        return Settings.from_env(self.data_dir)

    def input_paths(self) -> list[Path | str]:
        """Local folders and files as paths, bucket inputs as their URIs."""
        if self.inbox:
            items = [p.strip() for p in self.inbox.split(",") if p.strip()]
            return [p if p.startswith(BUCKET_SCHEMES) else Path(p) for p in items]
        return [self.settings().inbox_dir]
