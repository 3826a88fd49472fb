"""The lake schema stamp: a lake landed by this version is uniform (readers skip union_by_name); a
file of an older schema is conformed in place; a file that cannot be conformed keeps union_by_name."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.lake.uniformity import ensure_uniform, is_uniform, union_by_name_env
from orchestration.landing import land
from orchestration.settings import Settings
from tests.landing.test_bad_input import _request, _span


def _read(settings: Settings, union_by_name: bool) -> list[tuple]:
    pattern = settings.lake_dir / "spans" / "*" / "*.parquet"
    with duckdb.connect() as con:
        return con.execute(
            f"select span_id, service_name from read_parquet('{pattern}', hive_partitioning=true, "
            f"union_by_name={str(union_by_name).lower()}) order by all"
        ).fetchall()


def _landed(settings: Settings, inbox) -> pq.ParquetFile:
    (inbox / "a.json").write_text(json.dumps(_request(_span(1), _span(3))))
    land(settings, settle_seconds=0)
    [path] = [
        p for p in settings.lake_dir.glob("spans/date=*/*.parquet") if p.parent.name != "date=1970-01-01"
    ]
    return path


def test_a_freshly_landed_lake_is_uniform(settings: Settings, inbox):
    _landed(settings, inbox)
    assert is_uniform(settings) and union_by_name_env(settings) == {"SPANLEDGER_LAKE_UNION_BY_NAME": "false"}
    assert _read(settings, union_by_name=False) == _read(settings, union_by_name=True)
    assert not ensure_uniform(settings).checked  # a current stamp: no footer is read again


def test_a_file_of_an_older_schema_is_conformed_in_place(settings: Settings, inbox):
    path = _landed(settings, inbox)
    table = pq.read_table(path, partitioning=None)
    old = path.with_name("older-version.parquet")
    older = table.drop_columns(["service_name"]).set_column(0, "trace_id", pc.utf8_upper(table["trace_id"]))
    pq.write_table(older, old)  # as an earlier release would have written it (no service_name column)
    (settings.state_dir / "lake_schema.json").write_text(json.dumps({"fingerprint": "an earlier release"}))
    assert not is_uniform(settings)

    report = ensure_uniform(settings)
    assert report.checked and report.conformed == [str(old)] and report.mixed == []
    assert is_uniform(settings)
    conformed = pq.read_table(old, partitioning=None)
    assert conformed.schema.remove_metadata().equals(table.schema.remove_metadata())
    assert conformed["service_name"].null_count == conformed.num_rows == older.num_rows
    assert conformed["trace_id"].to_pylist() == older["trace_id"].to_pylist()  # the rows themselves unchanged
    rows = _read(settings, union_by_name=False)
    assert len(rows) == 4 and rows == _read(settings, union_by_name=True)


def test_a_file_with_unknown_columns_keeps_union_by_name_on(settings: Settings, inbox):
    path = _landed(settings, inbox)
    table = pq.read_table(path, partitioning=None)
    pq.write_table(
        table.append_column("from_a_newer_release", pa.array([1] * table.num_rows)),
        path.with_name("newer.parquet"),
    )
    (settings.state_dir / "lake_schema.json").unlink()

    report = ensure_uniform(settings)
    assert report.mixed and "from_a_newer_release" in report.mixed[0] and report.conformed == []
    assert not is_uniform(settings) and union_by_name_env(settings)["SPANLEDGER_LAKE_UNION_BY_NAME"] == "true"
    assert "from_a_newer_release" in pq.read_schema(path.with_name("newer.parquet")).names  # nothing trimmed
    assert len(_read(settings, union_by_name=True)) == 4


def test_a_mixed_lake_is_not_read_again_until_its_odd_file_changes(settings: Settings, inbox, monkeypatch):
    path = _landed(settings, inbox)
    odd = path.with_name("newer.parquet")
    table = pq.read_table(path, partitioning=None)
    pq.write_table(table.append_column("from_a_newer_release", pa.array([1] * table.num_rows)), odd)
    (settings.state_dir / "lake_schema.json").unlink()
    assert ensure_uniform(settings).checked

    import orchestration.lake.uniformity as uniformity

    footers, read_schema = [], pq.read_schema
    monkeypatch.setattr(uniformity.pq, "read_schema", lambda p: footers.append(p) or read_schema(p))
    again = ensure_uniform(settings)  # what every landing does
    assert not again.checked and footers == [] and "from_a_newer_release" in again.mixed[0]
    assert not is_uniform(settings)

    odd.unlink()  # dealt with: the next check reads the lake again and finds it uniform
    after = ensure_uniform(settings)
    assert after.checked and after.mixed == [] and footers and is_uniform(settings)
    assert union_by_name_env(settings)["SPANLEDGER_LAKE_UNION_BY_NAME"] == "false"
