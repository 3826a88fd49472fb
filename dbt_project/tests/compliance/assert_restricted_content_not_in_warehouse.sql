{#- Restricted prompt/response text stays in <data>/restricted/content: no warehouse relation has a
    content column or reads the restricted folder, and no model's code refers to it. -#}
{{ config(severity='error', tags=['compliance']) }}
{{ compliance_after_every_model() }}
{%- set content_columns = ['content', 'prompt', 'completion', 'prompt_text', 'response_text', 'message_content',
                           'input_messages', 'output_messages', 'system_instructions', 'gen_ai_prompt',
                           'gen_ai_completion', 'input_value', 'output_value'] -%}
{%- set offending_models = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and 'restricted/' in (node.raw_code or '') -%}
            {%- do offending_models.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

findings as (

    {% if target.type == 'duckdb' -%}
    select table_schema as schema_name, table_name as relation_name, 'content column ' || column_name as finding
    from information_schema.columns
    where table_catalog = current_database()
        and lower(column_name) in ('{{ content_columns | join("', '") }}')

    union all

    select schema_name, view_name as relation_name, 'view reads restricted content' as finding
    from duckdb_views()
    where not internal and database_name = current_database() and sql like '%restricted/content%'

    union all
    {% endif -%}

    {% for name in offending_models -%}
    select cast(null as {{ t_string() }}) as schema_name, '{{ name }}' as relation_name,
        'model code reads restricted content' as finding
    union all
    {% endfor -%}
    select cast(null as {{ t_string() }}) as schema_name, cast(null as {{ t_string() }}) as relation_name,
        cast(null as {{ t_string() }}) as finding
    from (select 1 as x) as nothing
    where false

)

select * from findings
