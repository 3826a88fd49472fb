{#- Date arithmetic that differs between DuckDB and BigQuery. -#}
{% macro add_days(date_expression, days) %}{{ return(adapter.dispatch('add_days', 'spanledger')(date_expression, days)) }}{% endmacro %}
{% macro duckdb__add_days(date_expression, days) -%}
    cast({{ date_expression }} + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}
{% macro bigquery__add_days(date_expression, days) -%}
    date_add({{ date_expression }}, interval {{ days }} day)
{%- endmacro %}

{% macro month_start(date_expression) %}{{ return(adapter.dispatch('month_start', 'spanledger')(date_expression)) }}{% endmacro %}
{% macro duckdb__month_start(date_expression) -%}
    cast(date_trunc('month', {{ date_expression }}) as date)
{%- endmacro %}
{% macro bigquery__month_start(date_expression) -%}
    date_trunc({{ date_expression }}, month)
{%- endmacro %}

{% macro days_in_month(date_expression) %}{{ return(adapter.dispatch('days_in_month', 'spanledger')(date_expression)) }}{% endmacro %}
{% macro duckdb__days_in_month(date_expression) -%}
    extract(day from last_day({{ date_expression }}))
{%- endmacro %}
{% macro bigquery__days_in_month(date_expression) -%}
    extract(day from last_day({{ date_expression }}, month))
{%- endmacro %}

{% macro day_of_month(date_expression) -%}
    extract(day from {{ date_expression }})
{%- endmacro %}

{#- Milliseconds between two timestamps, as a float. -#}
{% macro diff_ms(start_expression, end_expression) %}{{ return(adapter.dispatch('diff_ms', 'spanledger')(start_expression, end_expression)) }}{% endmacro %}
{% macro duckdb__diff_ms(start_expression, end_expression) -%}
    (cast(epoch_us({{ end_expression }}) - epoch_us({{ start_expression }}) as double) / 1000.0)
{%- endmacro %}
{% macro bigquery__diff_ms(start_expression, end_expression) -%}
    (cast(timestamp_diff({{ end_expression }}, {{ start_expression }}, microsecond) as float64) / 1000.0)
{%- endmacro %}

{#- A timestamp moved by a number of milliseconds. -#}
{% macro add_ms(timestamp_expression, ms_expression) %}{{ return(adapter.dispatch('add_ms', 'spanledger')(timestamp_expression, ms_expression)) }}{% endmacro %}
{% macro duckdb__add_ms(timestamp_expression, ms_expression) -%}
    ({{ timestamp_expression }} + to_microseconds(cast(round(({{ ms_expression }}) * 1000) as bigint)))
{%- endmacro %}
{% macro bigquery__add_ms(timestamp_expression, ms_expression) -%}
    timestamp_add({{ timestamp_expression }}, interval cast(round(({{ ms_expression }}) * 1000) as int64) microsecond)
{%- endmacro %}

{% macro date_literal(value) -%}
    cast('{{ value }}' as date)
{%- endmacro %}
