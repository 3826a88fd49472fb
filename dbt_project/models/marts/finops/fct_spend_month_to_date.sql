{#- Month-to-date spend per tenant and month (billed cost: after contract discounts, as the
    chargeback), with a straight-line projection to month end and a flag when the projection crosses the tenant's budget (seed tenant_budgets for the month, else tenants). "Today" is `as_of_date` or, by
    default, the latest day with LLM calls, so reruns on old data give the same answer. -#}

with

daily_costs as (

    select * from {{ ref('fct_llm_costs_daily') }}

),

tenants as (

    select * from {{ ref('tenants') }}

),

tenant_budgets as (

    select * from {{ ref('tenant_budgets') }}

),

as_of as (

    select
        {% if var('as_of_date') %}{{ date_literal(var('as_of_date')) }}{% else %}max(cost_date){% endif %} as as_of_date
    from daily_costs

),

monthly as (

    select
        {{ month_start('daily_costs.cost_date') }} as month_start_date,
        daily_costs.tenant_id,
        sum(daily_costs.billed_cost_usd) as month_to_date_cost_usd,
        cast(sum(daily_costs.unpriced_call_count) as {{ t_int() }}) as unpriced_call_count,
        max(daily_costs.cost_date) as last_cost_date
    from daily_costs
    cross join as_of
    where daily_costs.cost_date <= as_of.as_of_date
    group by 1, 2

),

projected as (

    select
        monthly.*,
        as_of.as_of_date,
        {{ month_start('as_of.as_of_date') }} = monthly.month_start_date as is_current_month,
        cast({{ days_in_month('monthly.month_start_date') }} as {{ t_int() }}) as days_in_month,
        cast(case
            when
                {{ month_start('as_of.as_of_date') }} = monthly.month_start_date
                then {{ day_of_month('as_of.as_of_date') }}
            else {{ days_in_month('monthly.month_start_date') }}
        end as {{ t_int() }}) as days_elapsed,
        tenants.tenant_name,
        -- a budget set for the month, else the tenant's usual one
        coalesce(tenant_budgets.monthly_budget_usd, tenants.monthly_budget_usd) as monthly_budget_usd
    from monthly
    cross join as_of
    left join tenants
        on monthly.tenant_id = tenants.tenant_id
    left join tenant_budgets
        on monthly.tenant_id = tenant_budgets.tenant_id
        and monthly.month_start_date = tenant_budgets.month_start_date

),

final as (

    select
        {{ hash_key(['month_start_date', 'tenant_id']) }} as spend_id,
        month_start_date,
        tenant_id,
        tenant_name,
        as_of_date,
        is_current_month,
        days_elapsed,
        days_in_month,
        month_to_date_cost_usd,
        {{ money('month_to_date_cost_usd * days_in_month / days_elapsed') }} as projected_month_end_cost_usd,
        monthly_budget_usd,
        case
            when monthly_budget_usd > 0
                then cast(month_to_date_cost_usd as {{ t_float() }}) / cast(monthly_budget_usd as {{ t_float() }})
        end as budget_used_ratio,
        coalesce(month_to_date_cost_usd * days_in_month / days_elapsed > monthly_budget_usd, false)
            as is_projected_over_budget,
        coalesce(month_to_date_cost_usd > monthly_budget_usd, false) as is_over_budget,
        unpriced_call_count
    from projected

)

select * from final
