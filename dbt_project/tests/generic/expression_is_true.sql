{#- Every row satisfies a boolean SQL expression (dbt_utils' test, written in-project). -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
