{#- `with x as {{ materialized_cte() }} (...)`: compute a CTE once. DuckDB otherwise inlines a CTE
    at every reference, including each step of a recursive CTE; BigQuery has no such hint. -#}
{% macro materialized_cte() %}{{ return(adapter.dispatch('materialized_cte', 'spanledger')()) }}{% endmacro %}
{% macro duckdb__materialized_cte() %}materialized{% endmacro %}
{% macro bigquery__materialized_cte() %}{% endmacro %}

