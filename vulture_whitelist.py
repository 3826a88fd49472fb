"""Names the dead-code check (vulture, scripts/test.sh) cannot see used, each with who uses it.

Click commands, pytest's `pytestmark` and Dagster's decorated functions are excluded in
pyproject.toml ([tool.vulture]); this file lists the rest. A name here that becomes really unused
should leave this list with its code.
"""

from great_expectations.data_context.types.base import DataContextVariables

from orchestration.cli import CliError
from orchestration.warehouse.bigquery import loader, tables
from orchestration.warehouse.dbt_plugin import Plugin
from orchestration.warehouse.dbt_runner import DbtBuildResult

CliError.show  # click calls it to print a ClickException
DataContextVariables.progress_bars  # Great Expectations reads it (quality/runner.py turns the bars off)
loader.bigquery.ParquetOptions.enable_list_inference  # read by BigQuery's load job
loader.bigquery.LoadJobConfig.parquet_options
loader.bigquery.HivePartitioningOptions.source_uri_prefix
loader.bigquery.LoadJobConfig.hive_partitioning
loader.bigquery.Table.expires
tables.bigquery.Table.labels
DbtBuildResult.stage_seconds  # benchmarks/warehouse.py reads it in the code it runs in a child process
Plugin  # dbt-duckdb loads it by module name (profiles.yml) and calls the three methods below
Plugin.initialize
Plugin.configure_connection
Plugin.configure_cursor
