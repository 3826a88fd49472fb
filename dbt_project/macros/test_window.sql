{#- Data tests of a windowed run (vars min_date / max_date) check what that run rebuilt, not history.

    Generic tests on an incremental model (date_partitioned) get the model's partition column limited
    to the window, through dbt's get_where_subquery hook (combined with any `where` config); so do
    tests on a view whose YAML names its event-date column in `meta.window_date_column` (the staging
    views, which would otherwise rescan the whole lake). Singular tests call test_date_window() themselves. A build without the vars, or a --full-refresh, tests
    every row: the dates outside a window were tested when they were built, and are untouched since. -#}

{% macro test_window_active() -%}
    {{ return((var('min_date', none) or var('max_date', none)) and not flags.FULL_REFRESH) }}
{%- endmacro %}

{#- Predicate: `column` inside the run's window; `true` when the run tests everything. -#}
{% macro test_date_window(column, before=0, after=0) -%}
    {%- if test_window_active() -%}
        {%- if var('min_date', none) -%}{{ column }} >= {{ add_days(date_literal(var('min_date')), -before) }}{%- else -%}true{%- endif %}
        and {% if var('max_date', none) -%}{{ column }} <= {{ add_days(date_literal(var('max_date')), after) }}{%- else -%}true{%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The event-date column a model's tests are windowed on: an incremental model's partition column
    (see date_partitioned), else `meta.window_date_column`, else none. -#}
{% macro window_date_column(node) -%}
    {%- if node is none -%}{{ return(none) }}{%- endif -%}
    {%- if node.config.materialized == 'incremental' -%}
        {%- set partition = node.config.get('partition_by') -%}
        {%- if partition is mapping and partition.get('field') -%}{{ return(partition['field']) }}{%- endif -%}
        {%- set key = node.config.get('unique_key') -%}
        {{ return(key if key is string else none) }}
    {%- endif -%}
    {{ return((node.config.meta or {}).get('window_date_column')) }}
{%- endmacro %}

{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set window = 'true' -%}
    {%- if execute and test_window_active() and model.attached_node -%}
        {%- set column = window_date_column(graph.nodes.get(model.attached_node)) -%}
        {%- if column -%}{%- set window = test_date_window(column) -%}{%- endif -%}
    {%- endif -%}
    {%- if where or window != 'true' -%}
        {%- set filtered -%}
            (select * from {{ relation }} where ({{ where or 'true' }}) and {{ window }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
