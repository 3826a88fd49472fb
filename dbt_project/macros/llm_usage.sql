{#- What every rollup of LLM calls sums the same way (requests, agent runs, daily costs, unpriced
    usage): token counts as exact integers under their own names, and calls counted by a condition. -#}

{#- `cast(sum(c) as <int>) as c` for each column, comma-separated. -#}
{% macro token_sums(columns) -%}
    {%- for column in columns -%}
        cast(sum({{ column }}) as {{ t_int() }}) as {{ column }}{% if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- How many rows meet the condition, as an integer. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ t_int() }})
{%- endmacro %}
