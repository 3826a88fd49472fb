"""Where things live and how the pipeline is configured: environment variables with defaults.

Every path hangs off one data directory so that several independent pipelines can live side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# A clearly marked development key: fine for the demo, never for real data.
DEV_HMAC_KEY = "spanledger-development-key-do-not-use-in-production"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    hmac_key: bytes
    store_content: bool = False
    content_ttl_days: int = 7
    settle_seconds: float = 10.0
    max_attribute_bytes: int = 16 * 1024
    hash_session_ids: bool = True
    warehouse: str = "duckdb"
    extra_user_id_keys: tuple[str, ...] = field(default_factory=tuple)
    landing_workers: int = 0  # decoder processes; 0 = one per core, at most 4 (~350 MiB each)
    compact_min_files: int = 8  # a date folder with this many small files is compacted; 0 = never
    compact_target_mb: int = 256  # compacted files grow up to about this size
    # A file whose last record is cut mid-write waits for its writer; once the file has not changed for
    # this long, the cut record is quarantined as truncated (`spanledger land --final` does it at once).
    tail_timeout_seconds: float = 600.0
    max_record_bytes: int = 32 * 1024 * 1024  # a longer line or message is quarantined by its size, unread
    # Bucket inputs (gs://, s3://): objects are copied to <data>/spool in batches of at most this many MB.
    spool_mb: int = 1024
    # An incremental listing starts this long before each key group's newest time partition (late keys) ...
    bucket_lookback_minutes: float = 120.0
    # ... and a full listing runs at least this often (keys later still, new key groups).
    bucket_full_sweep_minutes: float = 60.0

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> Settings:
        root = Path(data_dir or os.environ.get("SPANLEDGER_DATA_DIR") or "data").expanduser().resolve()
        key = os.environ.get("SPANLEDGER_HMAC_KEY", "")
        extra = tuple(k for k in os.environ.get("SPANLEDGER_USER_ID_KEYS", "").split(",") if k.strip())
        return cls(
            data_dir=root,
            hmac_key=(key or DEV_HMAC_KEY).encode(),
            store_content=_env_bool("SPANLEDGER_STORE_CONTENT"),
            content_ttl_days=int(os.environ.get("SPANLEDGER_CONTENT_TTL_DAYS", "7")),
            settle_seconds=float(os.environ.get("SPANLEDGER_SETTLE_SECONDS", "10")),
            max_attribute_bytes=int(os.environ.get("SPANLEDGER_MAX_ATTRIBUTE_BYTES", str(16 * 1024))),
            hash_session_ids=_env_bool("SPANLEDGER_HASH_SESSION_IDS", True),
            warehouse=os.environ.get("SPANLEDGER_WAREHOUSE", "duckdb").lower(),
            extra_user_id_keys=tuple(k.strip() for k in extra),
            landing_workers=int(os.environ.get("SPANLEDGER_LANDING_WORKERS", "0")),
            compact_min_files=int(os.environ.get("SPANLEDGER_COMPACT_MIN_FILES", "8")),
            compact_target_mb=int(os.environ.get("SPANLEDGER_COMPACT_TARGET_MB", "256")),
            tail_timeout_seconds=float(os.environ.get("SPANLEDGER_TAIL_TIMEOUT_SECONDS", "600")),
            max_record_bytes=int(os.environ.get("SPANLEDGER_MAX_LINE_BYTES", str(32 * 1024 * 1024))),
            spool_mb=int(os.environ.get("SPANLEDGER_SPOOL_MB", "1024")),
            bucket_lookback_minutes=float(os.environ.get("SPANLEDGER_BUCKET_LOOKBACK_MINUTES", "120")),
            bucket_full_sweep_minutes=float(os.environ.get("SPANLEDGER_BUCKET_FULL_SWEEP_MINUTES", "60")),
        )

    # --- layout -------------------------------------------------------------------------------
    @property
    def inbox_dir(self) -> Path:
        """Default drop folder: where `spanledger generate` writes and `spanledger land` looks."""
        return self.data_dir / "inbox"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def restricted_dir(self) -> Path:
        """Prompt/response text when explicitly enabled; kept apart from the analysts' lake."""
        return self.data_dir / "restricted" / "content"

    @property
    def spool_dir(self) -> Path:
        """Local copies of bucket objects while they are landed (one batch at a time)."""
        return self.data_dir / "spool"

    @property
    def state_dir(self) -> Path:
        """Manifest, journals and locks."""
        return self.data_dir / "state"

    @property
    def manifest_path(self) -> Path:
        return self.state_dir / "manifest.sqlite"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def table_dir(self, table: str) -> Path:
        return self.lake_dir / table
