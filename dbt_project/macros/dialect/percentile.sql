{#- Aggregate percentile. DuckDB interpolates exactly; BigQuery only has approximate quantiles as an
    aggregate (PERCENTILE_CONT is analytic-only there), so its numbers are approximations. -#}
{% macro percentile(expression, fraction) %}{{ return(adapter.dispatch('percentile', 'spanledger')(expression, fraction)) }}{% endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro bigquery__percentile(expression, fraction) -%}
    approx_quantiles({{ expression }}, 1000)[offset({{ (fraction * 1000) | int }})]
{%- endmacro %}
