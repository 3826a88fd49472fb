{#- Two relations (optionally filtered) have the same number of rows. On a windowed run the model side
    is limited to its partition window (get_where_subquery); give `compare_window_column` to limit the
    compare side to the same dates. -#}
{% test equal_rowcount(model, compare_model, where_clause='true', compare_where_clause='true', compare_window_column=none) %}
with
a as (select count(*) as n from {{ model }} where {{ where_clause }}),
b as (
    select count(*) as n from {{ compare_model }}
    where {{ compare_where_clause }}{% if compare_window_column %} and {{ test_date_window(compare_window_column) }}{% endif %}
)
select a.n as model_rows, b.n as compare_rows
from a cross join b
where a.n != b.n
{% endtest %}
