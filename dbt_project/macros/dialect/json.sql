{#- Attribute maps are JSON object strings; keys contain dots, so they are always quoted. -#}
{% macro json_string(column, key) %}{{ return(adapter.dispatch('json_string', 'spanledger')(column, key)) }}{% endmacro %}

{% macro duckdb__json_string(column, key) -%}
    json_extract_string({{ column }}, '$."{{ key }}"')
{%- endmacro %}

{% macro bigquery__json_string(column, key) -%}
    json_value({{ column }}, '$."{{ key }}"')
{%- endmacro %}

{#- First element of a delimited string (finish reasons arrive comma-separated). -#}
{% macro split_first(column, delimiter) %}{{ return(adapter.dispatch('split_first', 'spanledger')(column, delimiter)) }}{% endmacro %}
{% macro duckdb__split_first(column, delimiter) -%}
    split_part({{ column }}, '{{ delimiter }}', 1)
{%- endmacro %}
{% macro bigquery__split_first(column, delimiter) -%}
    split({{ column }}, '{{ delimiter }}')[safe_offset(0)]
{%- endmacro %}


{#- The first of several attribute keys that is present (conventions name one thing differently). -#}
{% macro first_json_string(column, keys) -%}
    coalesce({% for key in keys %}{{ json_string(column, key) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- A list of strings as SQL literals, for `in (...)`. -#}
{% macro quoted_list(values) -%}
    {%- for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}
