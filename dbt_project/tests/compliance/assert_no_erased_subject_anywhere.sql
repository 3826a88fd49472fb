{#- GDPR erasure sticks: no row of any model or lake source carries a subject hash of a completed
    erasure (in user_hash or session_hash; within the request's tenant when it had one). -#}
{{ config(severity='error', tags=['compliance']) }}
{{ compliance_after_every_model() }}
{%- set checks = [] -%}
{#- Nothing erased yet (the usual case): no row can match, so skip reading every model and the lake. -#}
{%- set erased_count = run_query('select count(*) from ' ~ ref('stg_compliance__erased_subjects')).columns[0].values()[0]
    if execute else 0 -%}
{%- for item in (compliance_relations() if erased_count > 0 else []) -%}
    {%- if 'user_hash' in item['columns'] or 'session_hash' in item['columns'] -%}
        {%- do checks.append(item) -%}
    {%- endif -%}
{%- endfor %}

with

erased as (

    select subject_hash, tenant_id from {{ ref('stg_compliance__erased_subjects') }}

),

findings as (

    {% for item in checks -%}
    {%- set subject_columns = ['user_hash', 'session_hash'] | select('in', item['columns']) | list -%}
    select
        '{{ item["name"] }}' as relation_name,
        '{{ item["kind"] }}' as relation_kind,
        count(*) as erased_subject_rows
    from {{ item['sql'] }} as checked
    inner join erased
        on ({% for column in subject_columns %}checked.{{ column }} = erased.subject_hash{% if not loop.last %} or {% endif %}{% endfor %})
        {%- if 'tenant_id' in item['columns'] %}
        and (erased.tenant_id is null or checked.tenant_id is null or checked.tenant_id = erased.tenant_id)
        {%- endif %}
    {% if not loop.last %}union all
    {% endif %}
    {%- else -%}
    select cast(null as {{ t_string() }}) as relation_name, cast(null as {{ t_string() }}) as relation_kind,
        cast(0 as {{ t_int() }}) as erased_subject_rows
    {%- endfor %}

)

select * from findings where erased_subject_rows > 0
