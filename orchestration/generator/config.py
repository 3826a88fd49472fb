"""What to generate: the one configuration object the CLI, tests and benchmarks share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Output format -> file name suffix. The landing detects formats by content; suffixes only help humans.
FORMAT_SUFFIXES: dict[str, str] = {
    "jsonl": ".jsonl",
    "jsonl.gz": ".jsonl.gz",
    "jsonl.zst": ".jsonl.zst",
    "json": ".json",
    "proto-framed": ".framed.binpb",
    "proto-framed-zstd": ".framed.binpb.zst",
    "proto": ".binpb",
}
FORMATS = tuple(FORMAT_SUFFIXES)

# Requests per export message, like a batch span processor flushing every few hundred spans.
REQUESTS_PER_MESSAGE = 10


@dataclass
class GeneratorConfig:
    out_dir: Path
    days: int = 3
    start_date: date | None = None  # None = today (UTC) - days
    tenants: int = 5
    requests_per_day: int = 200
    seed: int = 42
    formats: tuple[str, ...] = ("jsonl",)
    traces_per_file: int = 500  # rotation: how many requests go into one traces file
    include_claude_code: bool = True
    include_engines: bool = True  # a self-hosted vLLM fleet's metrics (orchestration/generator/engines.py)
    content: bool = True  # emit prompt/response text attributes (the landing must drop them)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        if isinstance(self.formats, str):
            self.formats = (self.formats,)
        self.formats = tuple(dict.fromkeys(self.formats))  # de-duplicate, keep order
        unknown = [f for f in self.formats if f not in FORMAT_SUFFIXES]
        if unknown or not self.formats:
            raise ValueError(f"unknown formats {unknown}; choose from {', '.join(FORMATS)}")
        if self.days < 1 or self.tenants < 1 or self.requests_per_day < 0 or self.traces_per_file < 1:
            raise ValueError("days, tenants and traces_per_file must be >= 1, requests_per_day >= 0")

    @property
    def first_day(self) -> date:
        return self.start_date or (datetime.now(UTC).date() - timedelta(days=self.days))

    def day_list(self) -> list[date]:
        first = self.first_day
        return [first + timedelta(days=i) for i in range(self.days)]
