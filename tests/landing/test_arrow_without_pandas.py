"""Landing never pays pyarrow's pandas import (orchestration/arrow_without_pandas.py), and code that
wants pandas afterwards still gets it: checked in fresh interpreters, the landing's and a worker's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.workers import process_pool

REPO = Path(__file__).resolve().parents[2]

LAND_THEN_USE_PANDAS = """
import json, sys
from pathlib import Path
import pyarrow as pa
from orchestration.landing import land
from orchestration.settings import Settings
report = land(Settings.from_env({data!r}), [Path({sample!r})], settle_seconds=0, workers=1)
after_landing = "pandas" in sys.modules
frame = pa.table({{"x": [1, 2]}}).to_pandas()  # explicit pandas use still works
import pandas as pd
nullable = pa.array(pd.Series([1, None], dtype="Int64"))  # and pyarrow sees pandas objects again
print(json.dumps({{"landed": report.records_landed, "pandas_after_landing": after_landing,
                  "frame_rows": len(frame), "nulls": nullable.null_count}}))
"""


def test_landing_does_not_import_pandas_and_pandas_still_works(tmp_path: Path):
    src = REPO / "tests" / "fixtures" / "samples" / "otlp2parquet_traces.jsonl"
    env = {**os.environ, "SPANLEDGER_HMAC_KEY": "test-key"}
    out = subprocess.run(
        [sys.executable, "-c", LAND_THEN_USE_PANDAS.format(data=str(tmp_path / "data"), sample=str(src))],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["landed"] > 0
    assert result["pandas_after_landing"] is False
    assert result["frame_rows"] == 2
    assert result["nulls"] == 1


def _convert_rows_in_worker() -> tuple[bool, int]:
    import pyarrow as pa

    from orchestration.lake.schema import LAKE_TABLES
    from orchestration.lake.writer import rows_to_table

    schema = LAKE_TABLES["spans"]
    table = rows_to_table([dict.fromkeys(schema.names) | {"span_name": "x"}], schema)
    assert isinstance(table, pa.Table)
    return "pandas" in sys.modules, table.num_rows


def test_landing_workers_convert_rows_without_pandas():
    with process_pool(1) as pool:
        has_pandas, rows = pool.submit(_convert_rows_in_worker).result(timeout=300)
    assert rows == 1
    assert has_pandas is False
