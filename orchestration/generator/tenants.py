"""Tenants of the multi-tenant application: sizes, users, sampling and deployment shape."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from .catalog import FEATURE_WEIGHTS, FEATURES, TEAMS, TENANT_NAMES


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    index: int
    weight: float  # share of traffic (Zipf-like: a few big tenants, a long tail)
    user_base: int  # users are user-<user_base + k>@example.com, k < users
    users: int
    teams: tuple[str, ...]
    feature_cum: tuple[float, ...]  # cumulative weights over catalog.FEATURES
    dedicated: bool  # own deployment: tenant.id sits on the resource instead of the root span
    sample_rate: int  # a sampled tenant's traces are kept 1 in N (N = 1: every trace)
    sampling: str  # none | tail (a tail sampler's SampleRate=N) | probability (tracestate ot=th:)
    developers: int  # Claude Code users in the tenant's engineering org

    def user_id(self, k: int) -> str:
        return f"user-{self.user_base + k}@example.com"

    def pick_feature(self, rng: random.Random) -> str:
        return FEATURES[bisect(self.feature_cum, rng.random() * self.feature_cum[-1])]

    def pick_user(self, rng: random.Random) -> int:
        # Squared uniform: a handful of power users make most requests.
        return int(self.users * rng.random() ** 2)


# Keep 1 trace in N. Metrics stay unsampled, so the spans-vs-metrics reconciliation shows the rate.
SAMPLE_RATES = {"probability": 4, "tail": 10}


def _sampling(index: int) -> str:
    """A mid-sized tenant is head-sampled by probability, a smaller one by a tail sampler; the rest keep all."""
    return {2: "probability", 3: "tail"}.get(index % 4, "none")


def make_tenants(rng: random.Random, count: int) -> list[Tenant]:
    tenants: list[Tenant] = []
    user_base = 1000
    for i in range(count):
        name = TENANT_NAMES[i] if i < len(TENANT_NAMES) else f"tenant-{i:04d}"
        weight = 1.0 / (i + 1) ** 1.1
        users = max(5, int(400 * weight * rng.uniform(0.6, 1.4)))
        # Every tenant chats; the other features are switched on per tenant with their own intensity.
        feature_weights = [
            w if (f == "chat" or rng.random() < 0.8) else 0.0
            for f, w in zip(FEATURES, FEATURE_WEIGHTS, strict=True)
        ]
        feature_weights = [w * rng.uniform(0.5, 1.5) for w in feature_weights]
        teams = tuple(rng.sample(TEAMS, k=rng.randint(1, 3)))
        tenants.append(
            Tenant(
                id=name,
                index=i,
                weight=weight,
                user_base=user_base,
                users=users,
                teams=teams,
                feature_cum=tuple(accumulate(feature_weights)),
                dedicated=(i % 3 == 1),
                sample_rate=SAMPLE_RATES.get(_sampling(i), 1),
                sampling=_sampling(i),
                developers=rng.randint(2, 6),
            )
        )
        user_base += users
    return tenants


class TenantPicker:
    """Weighted tenant choice with one bisect per request (random.choices rebuilds state each call)."""

    def __init__(self, tenants: list[Tenant]) -> None:
        self.tenants = tenants
        self.cum = list(accumulate(t.weight for t in tenants))

    def pick(self, rng: random.Random) -> Tenant:
        return self.tenants[bisect(self.cum, rng.random() * self.cum[-1])]
