{{ config(**date_partitioned('cost_date')) }}

{#- What self-hosted models cost, per day, engine instance and model: the instance-hours of
    int_engine_costs_hourly (priced by instance type, allocated to models by tokens). The internal
    provider's price of a model (int_self_hosted_prices_daily) is the same cost per million tokens
    over every instance of the day; calls to it are priced with it in the FinOps marts. -#}

with

priced as (

    select * from {{ ref('int_engine_costs_hourly') }}
    where {{ date_window('metric_date') }}

),

final as (

    select
        {{ hash_key(['metric_date', 'engine', 'service_instance_id', 'model']) }} as self_hosted_cost_id,
        metric_date as cost_date,
        engine,
        service_instance_id,
        model,
        max(instance_type) as instance_type,
        max(gpu_type) as gpu_type,
        max(gpu_count) as gpu_count,
        count(*) as instance_hours,
        sum(prompt_tokens) as prompt_tokens,
        sum(generation_tokens) as generation_tokens,
        {{ money('sum(allocated_cost_usd)') }} as cost_usd,
        {{ money('sum(allocated_cost_usd) * 1000000 / nullif(sum(hour_tokens), 0)') }} as usd_per_million_tokens,
        max(case when usd_per_hour is null then 1 else 0 end) = 1 as is_unpriced,
        'allocated by tokens' as allocation_method
    from priced
    group by metric_date, engine, service_instance_id, model

)

select * from final
