{%- if target.type == 'bigquery' %}
{#- append-only as on DuckDB: a merge without a unique key only inserts (on false), and the model emits rows
    of a month not closed yet only. (insert_overwrite would add a partition-replacing script for nothing.) -#}
{{ config(materialized='incremental', incremental_strategy='merge', full_refresh=false,
          on_schema_change='fail', pre_hook="{{ migrate_chargeback_closed_lines() }}",
          partition_by={'field': 'billing_month_start_date', 'data_type': 'date', 'granularity': 'day'}) }}
{%- else %}
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false, on_schema_change='fail',
          pre_hook="{{ migrate_chargeback_closed_lines() }}") }}
{%- endif %}

{#- Closed months, append-only: what finance booked. `spanledger report chargeback --close YYYY-MM` runs
    this model with vars close_month, closed_by and closed_at; it appends that month's lines as
    fct_chargeback_focus_monthly shows them then (usage lines and the adjustments billed in it) and never
    changes them: no full refresh, and a month closes once. Every other run appends nothing. A table booked
    before a line column existed gets it from the pre-hook (macros/chargeback_closed_lines_migration.sql). -#}

{%- set close_month = var('close_month', none) %}
{%- set columns = chargeback_line_columns() %}

with

usage_lines as (

    select * from {{ ref('int_chargeback_usage_lines') }}

),

{% if is_incremental() %}
closed_lines as (

    select * from {{ this }}

),
{% else %}
closed_lines as (

    -- the first build: nothing closed yet (the same columns, no rows)
    select
        {% for column in columns %}{{ column }},
        {% endfor -%}
        cast(null as timestamp) as closed_at,
        cast(null as {{ t_string() }}) as closed_by
    from usage_lines
    where false

),
{% endif %}

{{ chargeback_pending_adjustments('usage_lines', 'closed_lines') }},

month_lines as (

    select
        {% for column in columns %}{{ column }}{% if not loop.last %},
        {% endif %}{% endfor %}
    from usage_lines
    union all
    select * from adjustment_lines

),

final as (

    select
        month_lines.*,
        cast('{{ var("closed_at", "1970-01-01 00:00:00") }}' as timestamp) as closed_at,
        {%- set closed_by = var("closed_by", "") | replace("'", "") %}
        cast('{{ closed_by }}' as {{ t_string() }}) as closed_by
    from month_lines
    {%- if close_month %}
    where month_lines.billing_month_start_date = {{ date_literal(close_month ~ '-01') }}
        and {{ date_literal(close_month ~ '-01') }} not in (select month_start_date from closed_months)
    {%- else %}
    where false
    {%- endif %}

)

select * from final
