{{ config(**date_partitioned('metric_date')) }}

{#- What each engine instance-hour cost, split between the models it served. An instance costs its
    instance type's hourly price (gpu_instance_prices, effective-dated) for every hour it reported
    metrics (engine_instances says which type it ran on, effective-dated); the hour's cost is
    allocated to its models by their share of the hour's tokens (prompt + generation), evenly when it
    served none (idle). Allocated costs of an instance-hour add up to its price. -#}

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

final as (

    select
        instance_hours.engine_hour_id,
        instance_hours.metric_date,
        instance_hours.metric_hour,
        instance_hours.engine,
        instance_hours.service_instance_id,
        instance_hours.model,
        instance_hours.prompt_tokens,
        instance_hours.generation_tokens,
        instance_hours.hour_tokens,
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

)

select * from final
