-- Monthly chargeback adds up to the daily costs to the cent, and shares add up to 1 per month.
with

daily as (

    select {{ month_start('cost_date') }} as month_start_date, sum(total_cost_usd) as total_cost_usd
    from {{ ref('fct_llm_costs_daily') }}
    group by 1

),

monthly as (

    select
        month_start_date,
        sum(total_cost_usd) as total_cost_usd,
        sum(coalesce(share_of_month_total, 0)) as share_sum,
        max(month_total_cost_usd) as month_total_cost_usd
    from {{ ref('fct_chargeback_monthly') }}
    group by 1

)

select daily.month_start_date, daily.total_cost_usd, monthly.total_cost_usd as chargeback_cost, monthly.share_sum
from daily
full outer join monthly
    on daily.month_start_date = monthly.month_start_date
where daily.month_start_date is null
    or monthly.month_start_date is null
    or abs(daily.total_cost_usd - monthly.total_cost_usd) >= 0.01
    or (monthly.month_total_cost_usd > 0 and abs(monthly.share_sum - 1) > 0.000001)
