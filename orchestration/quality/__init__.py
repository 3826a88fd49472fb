"""Data quality: GX suites (rules.py, lake_suites.py, mart_suites.py, runner.py), the lake scan,
`spanledger check` and its report."""
