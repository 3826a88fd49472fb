# Shared by the scripts: make sure uv exists and the locked environment is installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python 3.11; never fetch a toolchain
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv (the package manager that reads uv.lock)…" >&2
  python3 -m pip install --quiet "uv==0.13.9" || python3 -m pip install --quiet --user "uv==0.13.9"
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --extra dev --quiet
# dagster-dbt and our CLI call the venv's dbt: keep it first on PATH.
export PATH="$PWD/.venv/bin:$PATH"
