{#- Retention holds: no row of any model is dated before its class's retention (per tenant when the
    model has tenant_id). Class: meta.retention_class (dbt_project.yml per folder, YAML per model);
    date column: see macro compliance_date_column. "Today" is var compliance_today or current_date;
    var compliance_grace_days (1) allows for the daily schedule of the retention job. -#}
{{ config(severity='error', tags=['compliance']) }}
{{ compliance_after_every_model() }}
{#- The shortest retention of each class, read before the scan: a class without a default policy row
    cannot be breached (no rows are checked), and every other check gets a constant date bound that is
    never later than any row's real cutoff. A constant lets DuckDB skip the lake's date= folders and a
    table's old row groups without reading them, so a daily build does not scan all history to find
    nothing (the breach check itself still uses each tenant's own retention). -#}
{%- set shortest = {} -%}
{%- if execute -%}
    {%- set policy_rows = run_query("select data_class, min(retention_days), "
        ~ "max(case when tenant_id is null then 1 else 0 end) from "
        ~ ref('stg_compliance__retention_policy') ~ " group by data_class") -%}
    {%- for row in policy_rows.rows if row[2] == 1 -%}
        {%- do shortest.update({row[0]: row[1] | int}) -%}
    {%- endfor -%}
{%- endif -%}
{%- set today = var('compliance_today', none) or run_started_at.strftime('%Y-%m-%d') -%}
{%- set checks = [] -%}
{%- for item in compliance_relations(include_sources=false) -%}
    {%- set data_class = item['meta'].get('retention_class') -%}
    {%- set date_column = compliance_date_column(item) if data_class and data_class != 'none' else none -%}
    {%- if date_column and (data_class in shortest or not execute) -%}
        {#- one day of slack: the run's start date and the database's current_date may differ -#}
        {%- set bound = (modules.datetime.date.fromisoformat(today)
            - modules.datetime.timedelta(days=shortest.get(data_class, 0) + var('compliance_grace_days', 0) - 1)) -%}
        {%- do checks.append((item, data_class, date_column, bound.isoformat())) -%}
    {%- endif -%}
{%- endfor %}

with

policy as (

    select * from {{ ref('stg_compliance__retention_policy') }}

),

findings as (

    {% for item, data_class, date_column, bound in checks -%}
    select
        '{{ item["name"] }}' as model_name,
        '{{ data_class }}' as data_class,
        min(cast(checked.{{ date_column }} as date)) as oldest_date,
        count(*) as rows_past_retention
    from {{ item['sql'] }} as checked
    cross join (select retention_days from policy where data_class = '{{ data_class }}' and tenant_id is null) as default_policy
    {%- if 'tenant_id' in item['columns'] %}
    left join policy as tenant_policy
        on tenant_policy.data_class = '{{ data_class }}' and tenant_policy.tenant_id = checked.tenant_id
    {%- endif %}
    where cast(checked.{{ date_column }} as date) < {{ date_literal(bound) }}
        and cast(checked.{{ date_column }} as date) < {{ add_days(compliance_today(),
        '-' ~ var('compliance_grace_days', 0) ~ ' - coalesce(' ~ ('tenant_policy.retention_days, ' if 'tenant_id' in item['columns'] else '')
        ~ 'default_policy.retention_days)') }}
    {% if not loop.last %}union all
    {% endif %}
    {%- else -%}
    select cast(null as {{ t_string() }}) as model_name, cast(null as {{ t_string() }}) as data_class,
        cast(null as date) as oldest_date, cast(0 as {{ t_int() }}) as rows_past_retention
    {%- endfor %}

)

select * from findings where rows_past_retention > 0
