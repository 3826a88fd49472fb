"""Data quality: GX suites (suites.py, runner.py), the lake scan, `spanledger check` and its report."""
