{#- Columns fct_chargeback_closed_lines gained after warehouses had booked months, with the value a row
    booked before them stands for. The model is append-only with on_schema_change='fail' (a booked row is
    never rewritten by a build), so its pre-hook adds them to an older table first. -#}
{% macro chargeback_closed_lines_added_columns() %}
    {{ return([
        {'name': 'service_tier', 'type': t_string(), 'booked_value': "'standard'"},
    ]) }}
{% endmacro %}

{#- Pre-hook of fct_chargeback_closed_lines: add each missing added column and fill it for the booked rows
    (ALTER and UPDATE on both warehouses; booked rows' other values never change). Runs before dbt compares
    the table's columns with the model's. Renders no SQL of its own. -#}
{% macro migrate_chargeback_closed_lines() %}
    {%- if not execute %}{{ return('') }}{% endif %}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) %}
    {%- if existing is none %}{{ return('') }}{% endif %}
    {%- set present = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list %}
    {%- for column in chargeback_closed_lines_added_columns() if column.name not in present %}
        {{ log('fct_chargeback_closed_lines: adding ' ~ column.name ~ ' (' ~ column.booked_value ~ ' for the booked rows)', info=true) }}
        {% do run_query('alter table ' ~ existing ~ ' add column ' ~ column.name ~ ' ' ~ column.type) %}
        {% do run_query('update ' ~ existing ~ ' set ' ~ column.name ~ ' = ' ~ column.booked_value ~ ' where ' ~ column.name ~ ' is null') %}
    {%- endfor %}
    {{ return('') }}
{% endmacro %}
