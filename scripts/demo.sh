#!/usr/bin/env bash
# The whole pipeline on generated data: write realistic OTLP exports into the data directory's inbox,
# land them as Parquet, build the DuckDB warehouse with dbt, print where the results are. The data
# directory (./data, or SPANLEDGER_DATA_DIR) is marked as a demo: real exports are never landed into it.
# Your own telemetry: .venv/bin/spanledger --data-dir /srv/spanledger run --input /path/to/otel/export
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
spanledger demo "$@"
spanledger status
