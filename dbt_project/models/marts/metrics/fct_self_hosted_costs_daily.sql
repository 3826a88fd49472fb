{{ config(**date_partitioned('cost_date')) }}

{#- What self-hosted models cost, per day, engine instance and model. An instance costs its
    instance type's hourly price (gpu_instance_prices, effective-dated) for every hour it reported
    metrics (engine_instances says which type it ran on); each instance-hour's cost is allocated to
    the models it served by their share of that hour's tokens (prompt + generation), evenly when it
    served none (idle). usd_per_million_tokens is the price an internal "self-hosted" provider
    charges for these models: chargeback prices API and self-hosted usage side by side with it. -#}

with

usage_hours as (

    select * from {{ ref('int_engine_usage_hourly') }}
    where {{ date_window('metric_date') }}

),

instance_hours as (

    select
        usage_hours.*,
        usage_hours.prompt_tokens + usage_hours.generation_tokens as hour_tokens,
        sum(usage_hours.prompt_tokens + usage_hours.generation_tokens)
            over (partition by usage_hours.metric_hour, usage_hours.service_instance_id) as instance_hour_tokens,
        count(*) over (partition by usage_hours.metric_hour, usage_hours.service_instance_id) as instance_hour_models
    from usage_hours

),

priced as (

    select
        instance_hours.*,
        instances.instance_type,
        prices.gpu_type,
        prices.gpu_count,
        prices.usd_per_hour,
        {{ money(
            'prices.usd_per_hour * case when instance_hours.instance_hour_tokens > 0 '
            ~ 'then instance_hours.hour_tokens / instance_hours.instance_hour_tokens '
            ~ 'else 1.0 / instance_hours.instance_hour_models end'
        ) }} as allocated_cost_usd
    from instance_hours
    left join {{ ref('engine_instances') }} as instances
        on instance_hours.service_instance_id = instances.service_instance_id
        and instance_hours.metric_date >= instances.effective_from
        and (instances.effective_to is null or instance_hours.metric_date < instances.effective_to)
    left join {{ ref('gpu_instance_prices') }} as prices
        on instances.instance_type = prices.instance_type
        and instance_hours.metric_date >= prices.effective_from
        and (prices.effective_to is null or instance_hours.metric_date < prices.effective_to)

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
