#!/usr/bin/env bash
# Build (once) the BigQuery emulator's own environment and print the path of its Python.
#
# The emulator (`bqemulator`, DuckDB-backed) needs DuckDB 1.5.5 with the spatial extension, which
# cannot be downloaded at run time here; the PyPI wheel `duckdb-extension-spatial` ships it and is
# installed into that DuckDB once. The project itself stays on its own DuckDB: the emulator lives
# in a separate venv under a cache folder (SPANLEDGER_BQ_EMULATOR_ENV, default
# ~/.cache/spanledger/bq-emulator-<versions>), so the two never share a DuckDB build or a
# database file. Re-running is cheap: a finished env is marked by a stamp file.
set -euo pipefail

BQEMULATOR_VERSION="${BQEMULATOR_VERSION:-1.4.0}"
DUCKDB_VERSION="1.5.5"
TAG="bqemulator-${BQEMULATOR_VERSION}-duckdb-${DUCKDB_VERSION}"
ENV_DIR="${SPANLEDGER_BQ_EMULATOR_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/spanledger/bq-emulator-${TAG}}"
STAMP="$ENV_DIR/.spanledger-ready"
PY="$ENV_DIR/bin/python"

if [[ -f "$STAMP" && -x "$PY" ]]; then
  echo "$PY"
  exit 0
fi

export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet "uv==0.13.9" >&2 || python3 -m pip install --quiet --user "uv==0.13.9" >&2
  export PATH="$HOME/.local/bin:$PATH"
fi

# Build next to the final place, then rename: a killed build never looks finished.
mkdir -p "$(dirname "$ENV_DIR")"
BUILD_DIR="$(mktemp -d "${ENV_DIR}.build.XXXXXX")"
trap 'rm -rf "$BUILD_DIR"' EXIT
uv venv --quiet --python 3.11 "$BUILD_DIR" >&2
uv pip install --quiet --python "$BUILD_DIR/bin/python" \
  "bqemulator==${BQEMULATOR_VERSION}" "duckdb==${DUCKDB_VERSION}" \
  "duckdb-extension-spatial==${DUCKDB_VERSION}" numpy >&2

# Install the spatial extension from the wheel's file into this DuckDB's extension directory.
"$BUILD_DIR/bin/python" - <<'PY' >&2
import pathlib, duckdb, importlib.util
spec = importlib.util.find_spec("duckdb_extension_spatial")
roots = [pathlib.Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
if not roots:
    import site
    roots = [pathlib.Path(p) for p in site.getsitepackages()]
files = [f for r in roots for f in r.rglob("spatial*.duckdb_extension*")]
if not files:
    raise SystemExit("duckdb-extension-spatial: no .duckdb_extension file found in the wheel")
con = duckdb.connect()
con.execute(f"INSTALL '{files[0]}'")
con.execute("LOAD spatial")
print("spatial extension installed from", files[0])
PY

rm -rf "$ENV_DIR"
# The venv's scripts hold absolute paths: recreate them for the final folder.
mv "$BUILD_DIR" "$ENV_DIR"
trap - EXIT
uv venv --quiet --allow-existing --python 3.11 "$ENV_DIR" >&2
touch "$STAMP"
echo "$PY"
