"""Claude Code skills: the catalog of installed skills as dated lake snapshots."""
