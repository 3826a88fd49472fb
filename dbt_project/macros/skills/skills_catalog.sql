{#- The skills catalog snapshots (`spanledger skills catalog`) as a relation. Before the first scan the
    lake has no skills_catalog folder and read_parquet would fail on an empty glob: then `empty_sql`
    (the same columns, no rows), re-decided at every build so the first snapshot shows up in the next. -#}
{% macro skills_catalog_relation(empty_sql) -%}
    {%- set relation = source('skills', 'skills_catalog') -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set lake = env_var('SPANLEDGER_DATA_DIR', 'data') ~ '/lake/skills_catalog/*/*.parquet' -%}
        {%- set found = run_query("select count(*) from glob('" ~ lake | replace("'", "''") ~ "')").columns[0].values()[0] -%}
        {%- if found == 0 -%}{{ return(empty_sql) }}{%- endif -%}
    {%- elif execute -%}
        {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
            {{ return(empty_sql) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('select * from ' ~ relation) }}
{%- endmacro %}

{#- Whole days from one date to a later one. -#}
{% macro diff_days(start_date, end_date) %}{{ return(adapter.dispatch('diff_days', 'spanledger')(start_date, end_date)) }}{% endmacro %}
{% macro duckdb__diff_days(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}
{% macro bigquery__diff_days(start_date, end_date) -%}
    date_diff({{ end_date }}, {{ start_date }}, day)
{%- endmacro %}
