{{ config(**date_partitioned('metric_date')) }}

{#- What each inference-engine instance did per hour and model, from its counters (read across
    restarts by int_metric_sum_deltas) and TGI's token histograms, whose sums are the tokens: the
    usage the engine mart shows and the GPU cost is allocated by. -#}

{%- set unknown = "'" ~ var('unknown_label') ~ "'" -%}
{%- set keys = ['metric_hour', 'engine', 'service_instance_id', 'model'] -%}

with

measures as (

    select * from {{ ref('metric_measures') }}
    where signal in ('vllm', 'sglang', 'tgi')

),

-- increases: counters, and TGI's token histograms whose sums are the tokens
increases as (

    select
        sums.point_hour as metric_hour,
        measures.signal as engine,
        coalesce(sums.service_instance_id, {{ unknown }}) as service_instance_id,
        {{ engine_model('sums') }} as model,
        measures.measure,
        sums.delta_value * measures.value_scale as increase,
        sums.is_reset
    from {{ ref('int_metric_sum_deltas') }} as sums
    inner join measures on sums.metric_name = measures.metric_name
    where {{ date_window('sums.point_date') }}

    union all

    select
        histograms.point_hour as metric_hour,
        measures.signal as engine,
        coalesce(histograms.service_instance_id, {{ unknown }}) as service_instance_id,
        {{ engine_model('histograms') }} as model,
        case
            when measures.measure in ('prompt_tokens', 'generation_tokens') then measures.measure
            else measures.measure || '_count'
        end as measure,
        case
            when measures.measure in ('prompt_tokens', 'generation_tokens') then histograms.delta_sum
            else histograms.delta_count
        end as increase,
        histograms.is_reset
    from {{ ref('int_metric_histogram_deltas') }} as histograms
    inner join measures on histograms.metric_name = measures.metric_name
    where {{ date_window('histograms.point_date') }}

),

increase_hours as (

    select
        {{ keys | join(', ') }},
        sum(case when measure = 'prompt_tokens' then increase else 0 end) as prompt_tokens,
        sum(case when measure = 'generation_tokens' then increase else 0 end) as generation_tokens,
        sum(case when measure = 'e2e_count' then increase else 0 end) as request_count,
        sum(case when measure = 'preemptions' then increase else 0 end) as preemption_count,
        sum(case when measure = 'prefix_cache_hits' then increase else 0 end) as prefix_cache_hits,
        sum(case when measure = 'prefix_cache_queries' then increase else 0 end) as prefix_cache_queries,
        max(case when is_reset then 1 else 0 end) = 1 as has_restart
    from increases
    group by {{ keys | join(', ') }}

),

final as (

    select
        {{ hash_key(keys) }} as engine_hour_id,
        cast(metric_hour as date) as metric_date,
        {{ keys | join(',\n        ') }},
        prompt_tokens,
        generation_tokens,
        request_count,
        preemption_count,
        prefix_cache_hits,
        prefix_cache_queries,
        has_restart
    from increase_hours

)

select * from final
