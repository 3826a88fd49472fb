"""A dbt-duckdb plugin (named in profiles.yml): every dbt session knows the data directory.

dbt creates and tests the staging views, which read the lake at `getvariable('spanledger_data_dir')`
(see duckdb_sessions.py). A DuckDB variable belongs to one session and dbt opens a cursor per thread,
so the variable is set on the connection and on every cursor.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.warehouse.duckdb_sessions import set_data_dir


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.data_dir = plugin_config["data_dir"]

    def configure_connection(self, conn) -> None:
        set_data_dir(conn, self.data_dir)

    def configure_cursor(self, cursor) -> None:
        set_data_dir(cursor, self.data_dir)
