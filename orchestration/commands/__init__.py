"""CLI commands of each area (compliance, quality, reports, …); `orchestration.cli` registers them."""
