"""Resources and instrumentation scopes, registered once and referenced by key from every item."""

from __future__ import annotations

from typing import Any

from . import otlp
from .catalog import SERVICES

SDK = {
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.language": "python",
    "telemetry.sdk.version": "1.30.0",
}
HTTP_SCOPE = ("opentelemetry.instrumentation.fastapi", "0.51b0")
EVAL_SERVICE = "llm-evaluator"


class Registry:
    """Key -> OTLP resource / scope dict. Keys are stable strings so grouping is deterministic."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.scopes: dict[str, dict[str, Any]] = {}

    def scope(self, name: str, version: str) -> str:
        key = f"{name}@{version}"
        if key not in self.scopes:
            self.scopes[key] = otlp.scope(name, version)
        return key

    def service(self, service: str, environment: str, tenant_id: str | None) -> str:
        """Resource of one deployment; per-tenant deployments carry tenant.id on the resource."""
        key = f"{service}|{environment}|{tenant_id or ''}"
        if key not in self.resources:
            spec = SERVICES[service]
            attrs: dict[str, Any] = {
                "service.name": service,
                "service.namespace": "assist",
                "service.version": spec.version,
                "deployment.environment.name": environment,
                "service.instance.id": f"{service}-{tenant_id or 'shared'}-{environment[:4]}-0",
                "cloud.provider": "gcp",
                "cloud.region": "europe-west1",
                **SDK,
            }
            if tenant_id:
                attrs["tenant.id"] = tenant_id
            self.resources[key] = otlp.resource(attrs)
        return key

    def plain(self, key: str, attrs: dict[str, Any]) -> str:
        if key not in self.resources:
            self.resources[key] = otlp.resource(attrs)
        return key

    def evaluator(self) -> str:
        return self.plain(
            EVAL_SERVICE,
            {
                "service.name": EVAL_SERVICE,
                "service.version": "0.7.2",
                "deployment.environment.name": "production",
                **SDK,
            },
        )
