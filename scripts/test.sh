#!/usr/bin/env bash
# Lint and the full test suite (real DuckDB files, real dbt builds, real Dagster runs, real Parquet).
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
# The HTML report tests render in headless Chromium (Debian's package); install it when missing and
# possible. Without it those tests skip and say why.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing chromium for the HTML report tests…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install chromium; the HTML rendering tests will be skipped" >&2
fi
# The deployment test runs a real PostgreSQL server (Debian's package); without it that test skips.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing postgresql for the deployment test…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "could not install postgresql; the deployment test will be skipped" >&2
fi
ruff format --check orchestration tests benchmarks scripts setup.py vulture_whitelist.py
ruff check orchestration tests benchmarks scripts setup.py vulture_whitelist.py
vulture  # dead code: paths, threshold and exclusions in pyproject.toml, the rest in vulture_whitelist.py
lint-imports --no-cache  # import contracts (pyproject.toml [tool.importlinter]): no cycles inside an area
# SQL lint of the dbt models with dbt's own templater (dbt_project/.sqlfluff): dbt renders each model
# against an in-memory DuckDB and an empty data dir, so linting opens no warehouse and writes nothing.
lint_dir="$(mktemp -d)"
(cd dbt_project && SPANLEDGER_DATA_DIR="$lint_dir" SPANLEDGER_DUCKDB_PATH=:memory: DBT_TARGET_PATH="$lint_dir/target" \
  sqlfluff lint models --processes 2 --disable-progress-bar --nocolor)
rm -rf "$lint_dir"
# every dbt build of the suite fails when a model escapes the retention checks (a warning for users)
export SPANLEDGER_COMPLIANCE_COVERAGE_SEVERITY=error
pytest -n 2 --dist loadfile -q "$@"
