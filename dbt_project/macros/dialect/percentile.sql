{#- Aggregate percentile. DuckDB interpolates exactly; BigQuery only has approximate quantiles as an
    aggregate (PERCENTILE_CONT is analytic-only there), so its numbers are approximations. -#}
{% macro percentile(expression, fraction) %}{{ return(adapter.dispatch('percentile', 'spanledger')(expression, fraction)) }}{% endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro bigquery__percentile(expression, fraction) -%}
    approx_quantiles({{ expression }}, 1000)[offset({{ (fraction * 1000) | int }})]
{%- endmacro %}

{#- The largest non-null of a few expressions (null when all are null). DuckDB's greatest skips
    nulls; BigQuery's returns null when any argument is null. -#}
{% macro greatest_ignore_nulls(expressions) %}{{ return(adapter.dispatch('greatest_ignore_nulls', 'spanledger')(expressions)) }}{% endmacro %}

{% macro duckdb__greatest_ignore_nulls(expressions) -%}
    greatest({{ expressions | join(', ') }})
{%- endmacro %}

{% macro bigquery__greatest_ignore_nulls(expressions) -%}
    (select max(value) from unnest([{{ expressions | join(', ') }}]) as value)
{%- endmacro %}
