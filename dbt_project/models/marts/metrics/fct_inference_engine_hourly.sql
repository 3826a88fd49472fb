{{ config(**date_partitioned('metric_date')) }}

{#- Self-hosted inference engines (vLLM, SGLang, TGI; names mapped by the metric_measures seed) per
    hour, instance and model: token throughput from counters read across restarts, queue and KV-cache
    levels from their samples, latency quantiles merged from the histograms, preemptions, prefix
    cache hit rate, the GPUs of the instance's host (DCGM exporter, matched on Hostname), and a
    saturation flag: the waiting queue grew over the hour while the KV cache stood near full. -#}

{%- set unknown = "'" ~ var('unknown_label') ~ "'" -%}
{%- set engines = ['vllm', 'sglang', 'tgi'] -%}
{%- set keys = ['metric_hour', 'engine', 'service_instance_id', 'model'] -%}

with

measures as (

    select * from {{ ref('metric_measures') }}
    where signal in ('vllm', 'sglang', 'tgi', 'dcgm')

),

increase_hours as (

    select * from {{ ref('int_engine_usage_hourly') }}
    where {{ date_window('metric_date') }}

),

levels as (

    select
        gauges.point_hour as metric_hour,
        measures.signal as engine,
        coalesce(gauges.service_instance_id, {{ unknown }}) as service_instance_id,
        {{ engine_model('gauges') }} as model,
        measures.measure,
        gauges.point_at,
        gauges.point_value * measures.value_scale as level_value
    from {{ ref('int_metric_gauge_points') }} as gauges
    inner join measures on gauges.metric_name = measures.metric_name
    where measures.signal in ('vllm', 'sglang', 'tgi') and {{ date_window('gauges.point_date') }}

),

-- the first and last waiting-queue sample of each hour: did the queue grow?
queue_ends as (

    select
        {{ keys | join(', ') }},
        first_value(level_value) over hour_samples as first_waiting,
        last_value(level_value) over hour_samples as last_waiting
    from levels
    where measure = 'waiting_requests'
    window hour_samples as (
        partition by {{ keys | join(', ') }}
        order by point_at
        rows between unbounded preceding and unbounded following
    )

),

queue_growth as (

    select
        {{ keys | join(', ') }},
        max(last_waiting - first_waiting) as waiting_requests_growth
    from queue_ends
    group by {{ keys | join(', ') }}

),

level_hours as (

    select
        {{ keys | join(', ') }},
        avg(case when measure = 'running_requests' then level_value end) as running_requests_avg,
        max(case when measure = 'running_requests' then level_value end) as running_requests_max,
        {{ percentile("case when measure = 'waiting_requests' then level_value end", 0.95) }} as waiting_requests_p95,
        max(case when measure = 'waiting_requests' then level_value end) as waiting_requests_max,
        {{ percentile("case when measure = 'kv_cache_usage' then level_value end", 0.95) }} as kv_cache_usage_p95,
        max(case when measure = 'kv_cache_usage' then level_value end) as kv_cache_usage_max
    from levels
    group by {{ keys | join(', ') }}

),

-- GPUs of the engine's host, from the DCGM exporter (its Hostname label)
gpu_hours as (

    select
        gauges.point_hour as metric_hour,
        {{ json_string('gauges.point_attributes', 'Hostname') }} as gpu_host,
        avg(case when measures.measure = 'gpu_utilization' then gauges.point_value * measures.value_scale end)
            as gpu_utilization_avg,
        max(case when measures.measure = 'gpu_memory_used_mib' then gauges.point_value end)
            as gpu_memory_used_max_mib,
        avg(case when measures.measure = 'gpu_power_watts' then gauges.point_value end) as gpu_power_avg_watts
    from {{ ref('int_metric_gauge_points') }} as gauges
    inner join measures on gauges.metric_name = measures.metric_name
    where measures.signal = 'dcgm' and {{ date_window('gauges.point_date') }}
    group by gauges.point_hour, {{ json_string('gauges.point_attributes', 'Hostname') }}

),

bucket_rows as (

    {{ measure_bucket_rows(engines, {
        'metric_hour': 'buckets.point_hour',
        'engine': 'measures.signal',
        'service_instance_id': 'coalesce(buckets.service_instance_id, ' ~ unknown ~ ')',
        'model': engine_model('buckets'),
    }) }}

),

{{ bucket_quantile_ctes('quantiles', 'bucket_rows', keys + ['measure'], {'p50': 0.5, 'p95': 0.95, 'p99': 0.99}) }},

quantiles_by_measure as (

    select
        {{ keys | join(', ') }},
        {% for measure in ['ttft', 'tpot', 'e2e', 'queue_time'] -%}
        {% for suffix in ['p50', 'p95', 'p99'] -%}
        max(case when measure = '{{ measure }}' then {{ suffix }} end) as {{ measure }}_{{ suffix }}_seconds
        {%- if not (loop.last and measure == 'queue_time') %},{% endif %}
        {% endfor %}
        {%- endfor %}
    from quantiles
    group by {{ keys | join(', ') }}

),

instance_hours as (

    select {{ keys | join(', ') }} from increase_hours
    union distinct
    select {{ keys | join(', ') }} from level_hours
    union distinct
    select {{ keys | join(', ') }} from quantiles_by_measure

),

final as (

    {%- set qualified = [] %}{% for c in keys %}{% do qualified.append('instance_hours.' ~ c) %}{% endfor %}

    select
        {{ hash_key(qualified) }} as engine_hour_id,
        cast(instance_hours.metric_hour as date) as metric_date,
        {{ qualified | join(',\n        ') }},
        coalesce(increase_hours.prompt_tokens, 0) as prompt_tokens,
        coalesce(increase_hours.generation_tokens, 0) as generation_tokens,
        coalesce(increase_hours.prompt_tokens, 0) / 3600.0 as prompt_tokens_per_second,
        coalesce(increase_hours.generation_tokens, 0) / 3600.0 as generation_tokens_per_second,
        coalesce(increase_hours.request_count, 0) as request_count,
        coalesce(increase_hours.preemption_count, 0) as preemption_count,
        increase_hours.preemption_count / nullif(increase_hours.request_count, 0) as preemptions_per_request,
        increase_hours.prefix_cache_hits / nullif(increase_hours.prefix_cache_queries, 0) as prefix_cache_hit_rate,
        level_hours.running_requests_avg,
        level_hours.running_requests_max,
        level_hours.waiting_requests_p95,
        level_hours.waiting_requests_max,
        queue_growth.waiting_requests_growth,
        level_hours.kv_cache_usage_p95,
        level_hours.kv_cache_usage_max,
        {% for measure in ['ttft', 'tpot', 'e2e', 'queue_time'] -%}
        {% for suffix in ['p50', 'p95', 'p99'] -%}
        quantiles_by_measure.{{ measure }}_{{ suffix }}_seconds,
        {% endfor %}
        {%- endfor -%}
        gpu_hours.gpu_utilization_avg,
        gpu_hours.gpu_memory_used_max_mib,
        gpu_hours.gpu_power_avg_watts,
        coalesce(increase_hours.has_restart, false) as has_restart,
        coalesce(
            queue_growth.waiting_requests_growth > 0
            and level_hours.kv_cache_usage_p95 >= {{ var('kv_cache_saturation_threshold') }},
            false
        ) as is_saturated
    from instance_hours
    left join increase_hours
        on {% for c in keys %}instance_hours.{{ c }} = increase_hours.{{ c }}{% if not loop.last %}
        and {% endif %}{% endfor %}
    left join level_hours
        on {% for c in keys %}instance_hours.{{ c }} = level_hours.{{ c }}{% if not loop.last %}
        and {% endif %}{% endfor %}
    left join queue_growth
        on {% for c in keys %}instance_hours.{{ c }} = queue_growth.{{ c }}{% if not loop.last %}
        and {% endif %}{% endfor %}
    left join quantiles_by_measure
        on {% for c in keys %}instance_hours.{{ c }} = quantiles_by_measure.{{ c }}{% if not loop.last %}
        and {% endif %}{% endfor %}
    left join gpu_hours
        on instance_hours.metric_hour = gpu_hours.metric_hour
        and {{ split_first('instance_hours.service_instance_id', ':') }} = gpu_hours.gpu_host

)

select * from final
