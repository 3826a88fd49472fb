{#- Monthly chargeback: each tenant's LLM spend per cost center and its share of the month's total.
    Tenants missing from the tenants seed keep their id and land in the unknown cost center.
    total_cost_usd is before contract discounts; billed_cost_usd after them, as the FOCUS lines bill it
    (assert_chargeback_monthly_billed_matches_focus). -#}

with

daily_costs as (

    select * from {{ ref('fct_llm_costs_daily') }}

),

tenants as (

    select * from {{ ref('tenants') }}

),

monthly as (

    select
        {{ month_start('daily_costs.cost_date') }} as month_start_date,
        daily_costs.tenant_id,
        coalesce(tenants.cost_center, '{{ var("unknown_label") }}') as cost_center,
        tenants.tenant_name,
        tenants.plan,
        cast(sum(daily_costs.llm_call_count) as {{ t_int() }}) as llm_call_count,
        cast(sum(daily_costs.total_tokens) as {{ t_int() }}) as total_tokens,
        sum(daily_costs.reported_cost_usd) as reported_cost_usd,
        sum(daily_costs.calculated_cost_usd) as calculated_cost_usd,
        sum(daily_costs.total_cost_usd) as total_cost_usd,
        sum(daily_costs.contract_discount_usd) as contract_discount_usd,
        sum(daily_costs.billed_cost_usd) as billed_cost_usd,
        cast(sum(daily_costs.unpriced_call_count) as {{ t_int() }}) as unpriced_call_count
    from daily_costs
    left join tenants
        on daily_costs.tenant_id = tenants.tenant_id
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ hash_key(['month_start_date', 'tenant_id', 'cost_center']) }} as chargeback_id,
        *,
        sum(total_cost_usd) over (partition by month_start_date) as month_total_cost_usd,
        case
            when sum(total_cost_usd) over (partition by month_start_date) > 0
                then cast(total_cost_usd as {{ t_float() }})
                    / cast(sum(total_cost_usd) over (partition by month_start_date) as {{ t_float() }})
        end as share_of_month_total
    from monthly

)

select * from final
