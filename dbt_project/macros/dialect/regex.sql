{#- Whether `expression` contains a match of the RE2 `pattern` (a string literal). -#}
{% macro regex_contains(expression, pattern) %}{{ return(adapter.dispatch('regex_contains', 'spanledger')(expression, pattern)) }}{% endmacro %}
{% macro duckdb__regex_contains(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}
{% macro bigquery__regex_contains(expression, pattern) -%}
    regexp_contains({{ expression }}, {{ pattern }})
{%- endmacro %}
