#!/usr/bin/env bash
# The whole pipeline on the embedded default: generate realistic OTLP exports (when no input is
# given), land them as Parquet, build the DuckDB warehouse with dbt, print where the results are.
# Pass a drop folder to land real data instead: scripts/demo.sh --input /path/to/otel/export
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
spanledger run "$@"
spanledger status
