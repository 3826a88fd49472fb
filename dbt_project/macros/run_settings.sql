{#- on-run-start: settings for the whole dbt run. DuckDB caches Parquet footers, so the lake's many
    small files are opened for their schema once per run, not by every model and test reading the
    lake (when the sources need union_by_name, it reads every file's schema whenever a query binds). -#}
{% macro run_settings() %}{{ return(adapter.dispatch('run_settings', 'spanledger')()) }}{% endmacro %}
{% macro duckdb__run_settings() %}set parquet_metadata_cache = true{% endmacro %}
{% macro default__run_settings() %}select 1 as no_settings{% endmacro %}
