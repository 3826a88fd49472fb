{#- What the money reconciliation tests (tests/assert_*) share: an amount summed per month and tenant.
    `month_expression` gives the month a row counts in (a billing month, or the month a date falls in). -#}
{% macro sum_per_month_and_tenant(model, month_expression, amount, alias) -%}
    select
        {{ month_expression }} as month_start_date,
        tenant_id,
        sum({{ amount }}) as {{ alias }}
    from {{ model }}
    group by 1, 2
{%- endmacro %}

{#- The erased usage of each month and tenant: a side not rebuilt since an erasure still holds that share
    (aggregates keep their totals), so two sides may differ by at most this much. -#}
{% macro erased_usage_per_month_and_tenant() -%}
    {{ sum_per_month_and_tenant(ref('stg_compliance__erased_usage'), month_start('call_date'), 'cost_usd', 'cost_usd') }}
{%- endmacro %}
