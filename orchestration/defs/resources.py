"""Dagster resources shared by the areas: where the data directory and drop folders are."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource

from orchestration.settings import Settings


class SpanledgerResource(ConfigurableResource):
    """The data directory and the drop folders; defaults come from the environment."""

    data_dir: str = os.environ.get("SPANLEDGER_DATA_DIR", "data")
    inbox: str = os.environ.get("SPANLEDGER_INBOX", "")  # comma-separated; empty = <data_dir>/inbox

    def settings(self) -> Settings:
        return Settings.from_env(self.data_dir)

    def input_paths(self) -> list[Path]:
        if self.inbox:
            return [Path(p.strip()) for p in self.inbox.split(",") if p.strip()]
        return [self.settings().inbox_dir]
