"""Names the dead-code check (vulture, scripts/test.sh) cannot see used, each with who uses it.

Click commands, pytest's `pytestmark` and Dagster's decorated functions are excluded in
pyproject.toml ([tool.vulture]); this file lists the rest. A name here that becomes really unused
should leave this list with its code.
"""

from great_expectations.data_context.types.base import DataContextVariables

from orchestration.cli import CliError
from orchestration.skills.scan import Skill
from orchestration.warehouse.bigquery import loader, tables
from orchestration.warehouse.dbt_plugin import Plugin
from orchestration.warehouse.dbt_runner import DbtBuildResult
from tests.buckets.proxy import ProxyHandler
from tests.conventions.fake_provider_api import FakeProviderApi, _Handler

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
ProxyHandler.protocol_version  # http.server reads these of the fault proxy's handler (tests/buckets)
ProxyHandler.log_message
ProxyHandler.close_connection
ProxyHandler.do_GET
ProxyHandler.do_PUT
ProxyHandler.do_POST
ProxyHandler.do_DELETE
ProxyHandler.do_HEAD
ProxyHandler.do_PATCH
_Handler.log_message  # http.server calls these on the fake provider API (tests/conventions)
_Handler.do_POST
FakeProviderApi.daemon_threads  # socketserver reads it: request threads do not keep the test alive
# skills/snapshot.py writes every field of a Skill by the lake schema's column names (getattr)
Skill.folder_name
Skill.plugin_name
Skill.marketplace_name
Skill.owner_source
Skill.root_path
Skill.relative_path
Skill.file_sha256
Skill.listing_sha256
