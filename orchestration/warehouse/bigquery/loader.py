"""Load one lake day into BigQuery with load jobs, idempotently, and record it in the manifest.

Source: `<lake>/<table>/date=YYYY-MM-DD/*.parquet`, local (the day's files are conformed to the
lake schema, given the `date` column and uploaded as one Parquet file) or in a bucket
(SPANLEDGER_LAKE_URI=gs://..., a load job from the day's gs:// URIs, hive partitioning giving `date`:
nothing passes through this machine; bucket_lake.py reads the day's objects from the listing).

`days_to_load` says which days need it: the days a landing touched, and every day whose files (local)
or objects (bucket: names, generations, sizes) changed since its last load (late data, a failed load,
an erasure or retention rewrite).

Replacing a day is one atomic step, so a rerun never duplicates and a failed run leaves the old day:
- decorator (default): a load job into `table$YYYYMMDD` with WRITE_TRUNCATE;
- merge: a load job into a short-lived staging table, then one MERGE that deletes the day's rows
  and inserts the staged ones (the statement dbt-bigquery's insert_overwrite uses).
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from google.cloud import bigquery

from orchestration.lake.schema import LAKE_TABLES
from orchestration.lake.writer import write_conformed
from orchestration.landing.buckets.uri import parse_bucket_uri
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.bucket_lake import bucket_days, bucket_fingerprint, day_objects
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.manifest import LoadManifest, LoadRecord, manifest_path
from orchestration.warehouse.bigquery.retention_classes import lake_table_expiration_days
from orchestration.warehouse.bigquery.tables import (
    PARTITION_COLUMN,
    arrow_schema,
    bigquery_schema,
    ensure_lake,
)


@dataclass
class DayLoad:
    table: str
    day: str
    rows: int
    skipped: bool = False  # sources unchanged since the last load
    job_ids: list[str] = field(default_factory=list)
    source_uris: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _day_files(settings: Settings, table: str, day: str) -> list[Path]:
    folder = settings.table_dir(table) / f"{PARTITION_COLUMN}={day}"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith((".", "_")))


def _fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def write_day_file(files: list[Path], table: str, day: str, out: Path) -> int:
    """One Parquet file for the day, in the contract's column order (missing columns null, as in older
    files) with the partition column added; streamed, so memory holds one row group."""
    # BigQuery reads REQUIRED columns from Parquet only when they are declared non-null there too.
    return write_conformed(files, arrow_schema(table), out, {PARTITION_COLUMN: date.fromisoformat(day)})


def _load_config(disposition: str, hive_prefix: str | None = None) -> bigquery.LoadJobConfig:
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        write_disposition=disposition,
        create_disposition=bigquery.CreateDisposition.CREATE_NEVER,
    )
    options = bigquery.ParquetOptions()
    options.enable_list_inference = True  # list<int64> → REPEATED INT64, not a nested `list` record
    config.parquet_options = options
    if hive_prefix:
        hive = bigquery.HivePartitioningOptions()
        hive.mode = "CUSTOM"
        hive.source_uri_prefix = f"{hive_prefix}/{{{PARTITION_COLUMN}:DATE}}"
        config.hive_partitioning = hive
    return config


def decorator_destination(config: BigQueryConfig, table: str, day: str) -> str:
    return f"{config.table_id(table)}${day.replace('-', '')}"


def _merge_sql(config: BigQueryConfig, table: str, staging: str, day: str) -> str:
    columns = ", ".join(f"`{f.name}`" for f in bigquery_schema(table))
    return (
        f"merge `{config.table_id(table)}` as target using `{staging}` as source on false\n"
        f"when not matched by source and target.`{PARTITION_COLUMN}` = date '{day}' then delete\n"
        f"when not matched then insert ({columns}) values ({columns})"
    )


class DayLoader:
    def __init__(self, client: bigquery.Client, config: BigQueryConfig, settings: Settings):
        self.client = client
        self.config = config
        self.settings = settings
        self._ensured: set[str] = set()

    def ensure(self, tables: list[str]) -> None:
        missing = [t for t in tables if t not in self._ensured]
        if missing:
            ensure_lake(self.client, self.config, missing)
            self._ensured.update(missing)

    # --- one job into the destination, by strategy -------------------------------------------
    def _run_load(
        self,
        table: str,
        day: str,
        *,
        path: Path | None = None,
        uri: str | None = None,
        hive_prefix: str | None = None,
    ) -> tuple[int, list[str]]:
        if self.config.day_replace == "decorator":
            job = self._start_load(
                decorator_destination(self.config, table, day),
                "WRITE_TRUNCATE",
                path=path,
                uri=uri,
                hive_prefix=hive_prefix,
            )
            job.result()
            return int(job.output_rows or 0), [job.job_id]
        staging = self._staging_table(table, day)
        try:
            load = self._start_load(staging, "WRITE_TRUNCATE", path=path, uri=uri, hive_prefix=hive_prefix)
            load.result()
            merge = self.client.query(_merge_sql(self.config, table, staging, day))
            merge.result()
            return int(load.output_rows or 0), [load.job_id, merge.job_id]
        finally:
            self.client.delete_table(staging, not_found_ok=True)

    def _staging_table(self, table: str, day: str) -> str:
        table_id = self.config.table_id(f"_load_{table}_{day.replace('-', '')}_{uuid.uuid4().hex[:8]}")
        staging = bigquery.Table(table_id, schema=bigquery_schema(table))
        staging.expires = datetime.now(UTC) + timedelta(days=1)  # a crashed run cleans itself up
        self.client.create_table(staging)
        return table_id

    def _start_load(
        self,
        destination: str,
        disposition: str,
        *,
        path: Path | None,
        uri: str | None,
        hive_prefix: str | None,
    ) -> bigquery.LoadJob:
        job_config = _load_config(disposition, hive_prefix)
        if uri:
            return self.client.load_table_from_uri(uri, destination, job_config=job_config)
        assert path is not None
        with open(path, "rb") as fh:
            return self.client.load_table_from_file(fh, destination, job_config=job_config, rewind=True)

    # --- a day ---------------------------------------------------------------------------------
    def load_day(self, table: str, day: str, *, force: bool = False) -> DayLoad:
        if table not in LAKE_TABLES:
            raise ValueError(f"unknown lake table {table!r} (one of {', '.join(LAKE_TABLES)})")
        date.fromisoformat(day)
        self.ensure([table])
        started = _now()
        destination = self.config.table_id(table)
        with LoadManifest(manifest_path(self.settings.state_dir)) as manifest:
            files: list[Path] = []
            objects = None
            if self.config.lake_uri:
                objects = day_objects(self.config.lake_uri, table, day)
                fingerprint = bucket_fingerprint(objects)
            else:
                files = _day_files(self.settings, table, day)
                fingerprint = _fingerprint(files)
            last = manifest.last(table, day, destination)
            if not force and last is not None and last.fingerprint == fingerprint:
                return DayLoad(
                    table, day, last.rows, skipped=True, job_ids=last.job_ids, source_uris=last.source_uris
                )
            if objects:  # loaded in place from the bucket
                prefix = f"{self.config.lake_uri}/{table}"
                uri = f"{prefix}/{PARTITION_COLUMN}={day}/*.parquet"
                rows, jobs = self._run_load(table, day, uri=uri, hive_prefix=prefix)
                uris = [f"gs://{parse_bucket_uri(self.config.lake_uri).bucket}/{o.key}" for o in objects]
            else:  # a local day, or a bucket day with no objects left (its partition empties)
                with tempfile.TemporaryDirectory(prefix="bq-load-", dir=self._tmp_root()) as tmp:
                    day_file = Path(tmp) / f"{table}-{day}.parquet"
                    write_day_file(files, table, day, day_file)
                    # An empty day still runs: it empties a partition whose files went away.
                    rows, jobs = self._run_load(table, day, path=day_file)
                uris = [str(p) for p in files]
            manifest.record(
                LoadRecord(
                    table,
                    day,
                    destination,
                    self.config.day_replace,
                    jobs,
                    uris,
                    fingerprint,
                    rows,
                    started,
                    _now(),
                )
            )
        return DayLoad(table, day, rows, job_ids=jobs, source_uris=uris)

    def load_days(
        self, days: list[str], tables: list[str] | None = None, *, force: bool = False
    ) -> list[DayLoad]:
        tables = tables or list(LAKE_TABLES)
        self.ensure(tables)
        return [self.load_day(t, d, force=force) for d in days for t in tables]

    def load_changed(
        self, touched: Mapping[str, Iterable[str]] | None = None, *, today: date | None = None
    ) -> list[DayLoad]:
        """Bring BigQuery in line with the lake: every day of `days_to_load`, table by table."""
        wanted = days_to_load(self.settings, self.config, touched, today=today)
        self.ensure([t for t, days in wanted.items() if days])
        return [self.load_day(t, d) for t, days in wanted.items() for d in days]

    def _tmp_root(self) -> Path:
        root = self.settings.state_dir / "bigquery-tmp"
        root.mkdir(parents=True, exist_ok=True)
        return root


def lake_days(settings: Settings, tables: list[str] | None = None) -> list[str]:
    """Every event date that has files in the local lake (the schema placeholder date excluded)."""
    days: set[str] = set()
    for table in tables or list(LAKE_TABLES):
        for folder in settings.table_dir(table).glob(f"{PARTITION_COLUMN}=*"):
            day = folder.name.split("=", 1)[1]
            if day != "1970-01-01" and _day_files(settings, table, day):
                days.add(day)
    return sorted(days)


def days_to_load(
    settings: Settings,
    config: BigQueryConfig,
    touched: Mapping[str, Iterable[str]] | None = None,
    *,
    tables: list[str] | None = None,
    today: date | None = None,
) -> dict[str, list[str]]:
    """Per lake table, the days whose BigQuery partition may differ from the lake:

    - every day in `touched` (a landing report's `days`: what that landing wrote);
    - on a local lake, every day whose files differ from its last load into this destination or that
      was never loaded (late data landed by any earlier run, a load that failed, a lake erasure or
      retention rewrite), and loaded days whose files are all gone (their partition empties).

    Days older than the table's partition expiration are left out: BigQuery drops those itself.
    A `gs://` lake is compared the same way, by the bucket listing of each table's objects.
    """
    today = today or datetime.now(UTC).date()
    out: dict[str, list[str]] = {}
    with LoadManifest(manifest_path(settings.state_dir)) as manifest:
        for table in tables or list(LAKE_TABLES):
            oldest = (today - timedelta(days=lake_table_expiration_days(table))).isoformat()
            days = {d for d in (touched or {}).get(table, ()) if d != "1970-01-01"}
            destination = config.table_id(table)
            if config.lake_uri:
                present = bucket_days(config.lake_uri, table)

                def fingerprint(day: str, table: str = table) -> str:
                    return bucket_fingerprint(day_objects(config.lake_uri, table, day))
            else:
                present = set(lake_days(settings, [table]))

                def fingerprint(day: str, table: str = table) -> str:
                    return _fingerprint(_day_files(settings, table, day))

            for day in (present | manifest.loaded_days(table, destination)) - days:
                last = manifest.last(table, day, destination)
                if day >= oldest and (last is None or last.fingerprint != fingerprint(day)):
                    days.add(day)
            out[table] = sorted(d for d in days if d >= oldest)
    return out
