{{ config(materialized=env_var('SPANLEDGER_VIEW_MATERIALIZATION', 'view')) }}

{#- The internal provider's price list: per day and self-hosted model, what a million tokens cost
    (the day's allocated GPU cost / the day's prompt + generation tokens, every instance together).
    One price for input and output tokens alike, since the GPU-hour is allocated by tokens; a day
    with an unpriced instance-hour has no price (its calls stay unpriced, never cheap). The price
    book (int_model_prices_unioned) lists it under provider `var('self_hosted_provider')` for that
    day alone. -#}

with

model_days as (

    select
        metric_date,
        lower(trim(model)) as model_match,
        sum(hour_tokens) as day_tokens,
        sum(allocated_cost_usd) as day_cost_usd,
        max(case when usd_per_hour is null then 1 else 0 end) = 1 as has_unpriced_hour
    from {{ ref('int_engine_costs_hourly') }}
    group by metric_date, lower(trim(model))

),

final as (

    select
        metric_date as effective_from,
        {{ add_days('metric_date', 1) }} as effective_to,
        '{{ var("self_hosted_provider") }}' as provider,
        model_match,
        day_tokens,
        day_cost_usd,
        {{ money('day_cost_usd * 1000000 / day_tokens') }} as usd_per_mtok
    from model_days
    where day_tokens > 0 and not has_unpriced_hour

)

select * from final
