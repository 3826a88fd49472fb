{#- Event-date incremental models.

    `min_date` / `max_date` (inclusive, YYYY-MM-DD) choose which dates an incremental run rebuilds;
    without them every date the lake still holds is rebuilt (see lake_first_date). Rebuilding a date deletes it first (delete+insert on DuckDB,
    insert_overwrite on BigQuery), so reruns are idempotent and equal a full refresh. -#}

{% macro date_partitioned(column) -%}
    {%- set cfg = {'materialized': 'incremental', 'on_schema_change': 'fail'} -%}
    {%- if target.type == 'bigquery' -%}
        {%- do cfg.update({'incremental_strategy': 'insert_overwrite',
                           'partition_by': {'field': column, 'data_type': 'date', 'granularity': 'day'}}) -%}
    {%- else -%}
        {#- unique_key alone would leave a date that became empty untouched: delete the window first. -#}
        {%- do cfg.update({'incremental_strategy': 'delete+insert', 'unique_key': column,
                           'pre_hook': ["{{ delete_date_window('" ~ column ~ "') }}"]}) -%}
    {%- endif -%}
    {{ return(cfg) }}
{%- endmacro %}

{% macro delete_date_window(column) -%}
    {%- if is_incremental() and execute -%}
        delete from {{ this }} where {{ date_window(column) }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Predicate: `column` inside the run's window widened by `before` / `after` days.
    Outside incremental runs (first build, full refresh) it is always true. -#}
{% macro date_window(column, before=0, after=0) -%}
    {%- set min_date = var('min_date', none) -%}
    {%- set max_date = var('max_date', none) -%}
    {%- if is_incremental() and (min_date or max_date) -%}
        {%- if min_date -%}{{ column }} >= {{ add_days(date_literal(min_date), -before) }}{%- else -%}true{%- endif %}
        and {% if max_date -%}{{ column }} <= {{ add_days(date_literal(max_date), after) }}{%- else -%}true{%- endif -%}
    {%- elif is_incremental() -%}
        {#- No window given: rebuild what the lake still holds, never the dates retention already removed
            from the lake (the warehouse keeps facts and FinOps far longer than raw telemetry). -#}
        {{ column }} >= {{ add_days(lake_first_date(), -before) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The earliest event date the span lake holds (the zero-row schema file sits at 1970-01-01);
    null on an empty lake, which makes the window empty: nothing to delete, nothing to rebuild. -#}
{% macro lake_first_date() -%}
    (select min(date) from {{ source('otlp', 'spans') }} where date > {{ date_literal('1970-01-01') }})
{%- endmacro %}
