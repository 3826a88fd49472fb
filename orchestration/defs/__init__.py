"""Thin Dagster definitions, one folder per area; domain code lives outside `defs/`."""
