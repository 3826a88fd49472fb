{#- Two relations (optionally filtered) have the same number of rows. -#}
{% test equal_rowcount(model, compare_model, where_clause='true', compare_where_clause='true') %}
with
a as (select count(*) as n from {{ model }} where {{ where_clause }}),
b as (select count(*) as n from {{ compare_model }} where {{ compare_where_clause }})
select a.n as model_rows, b.n as compare_rows
from a cross join b
where a.n != b.n
{% endtest %}
