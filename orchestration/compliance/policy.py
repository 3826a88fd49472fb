"""Retention policy: how long each class of data is kept, with per-tenant overrides.

Defaults follow the data protection officer's brief; a TOML file (``SPANLEDGER_RETENTION_FILE``,
default ``<data>/retention.toml``) overrides them::

    [retention]            # days, per data class
    raw = 30
    content = 7

    [retention.tenants.acme]   # one tenant keeps raw telemetry longer, drops content sooner
    raw = 90
    content = 1

A row belongs to its tenant's policy; rows without a tenant (or tables without a tenant column,
like quarantine) follow the default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# the data classes and their default days: a leaf module, which the warehouse adapters read too
from orchestration.data_classes import CLASSES, CONTENT, DEFAULT_DAYS, FACTS, FINOPS, QUARANTINE, RAW
from orchestration.settings import Settings

__all__ = [
    "CLASSES",
    "CONTENT",
    "DEFAULT_DAYS",
    "FACTS",
    "FINOPS",
    "QUARANTINE",
    "RAW",
    "RetentionPolicy",
    "load_policy",
]


@dataclass(frozen=True)
class RetentionPolicy:
    default_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DAYS))
    tenant_days: dict[str, dict[str, int]] = field(default_factory=dict)  # tenant → class → days

    def days(self, data_class: str, tenant_id: str | None = None) -> int:
        if tenant_id is not None and data_class in self.tenant_days.get(tenant_id, {}):
            return self.tenant_days[tenant_id][data_class]
        return self.default_days[data_class]

    def cutoff(self, data_class: str, today: date, tenant_id: str | None = None) -> date:
        """Rows dated before the cutoff are past retention; the cutoff day itself is kept."""
        return today - timedelta(days=self.days(data_class, tenant_id))

    def overrides(self, data_class: str) -> dict[str, int]:
        return {t: c[data_class] for t, c in self.tenant_days.items() if data_class in c}

    def rows(self) -> list[dict[str, object]]:
        """Flat form for the dbt export: tenant_id null is the default."""
        out: list[dict[str, object]] = [
            {"data_class": c, "tenant_id": None, "retention_days": d} for c, d in self.default_days.items()
        ]
        for tenant, classes in sorted(self.tenant_days.items()):
            out += [
                {"data_class": c, "tenant_id": tenant, "retention_days": d}
                for c, d in sorted(classes.items())
            ]
        return out


def policy_path(settings: Settings) -> Path:
    return Path(os.environ.get("SPANLEDGER_RETENTION_FILE") or settings.data_dir / "retention.toml")


def _days(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{where}: retention must be a whole number of days >= 0, got {value!r}")
    return value


def _classes(table: dict[str, object], where: str) -> dict[str, int]:
    unknown = set(table) - set(CLASSES) - {"tenants"}
    if unknown:
        raise ValueError(f"{where}: unknown data class(es) {sorted(unknown)}; known: {', '.join(CLASSES)}")
    return {c: _days(v, f"{where}.{c}") for c, v in table.items() if c != "tenants"}


def load_policy(settings: Settings) -> RetentionPolicy:
    path = policy_path(settings)
    if not path.exists():
        return RetentionPolicy()
    with open(path, "rb") as fh:
        doc = tomllib.load(fh).get("retention", {})
    defaults = {**DEFAULT_DAYS, **_classes(doc, "retention")}
    tenants = {str(t): _classes(c, f"retention.tenants.{t}") for t, c in doc.get("tenants", {}).items()}
    return RetentionPolicy(defaults, tenants)
