{{ config(**date_partitioned('metric_date')) }}

{#- The same hours counted twice: LLM calls from spans (what the traces kept) and from the client
    GenAI metrics (every call, unsampled). Where traces are sampled, span_keep_ratio is the share
    kept, and the spans' weighted count (1 / recorded sample rate) should come back to the metric
    count; hours with calls on one side only are instrumentation gaps (a service without the
    metrics, or without the spans). Hours are the call's end for spans and the metric interval's
    end for metrics, so a call near the top of an hour can land one hour apart. -#}

{%- set unknown = "'" ~ var('unknown_label') ~ "'" -%}
{%- set keys = ['metric_hour', 'service_name', 'provider', 'model', 'operation_name'] -%}

with

metric_hours as (

    select
        metrics.metric_hour,
        metrics.service_name,
        coalesce(provider_aliases.provider, metrics.provider) as provider,
        metrics.model,
        metrics.operation_name,
        sum(metrics.call_count) as call_count,
        sum(metrics.input_tokens) as input_tokens,
        sum(metrics.output_tokens) as output_tokens,
        max(metrics.duration_p95_seconds) as duration_p95_seconds
    from {{ ref('fct_genai_metrics_hourly') }} as metrics
    -- conventions name one provider differently (aws / aws.bedrock): both sides use the price book's id
    left join {{ ref('provider_aliases') }} as provider_aliases
        on lower(metrics.provider) = provider_aliases.provider_alias
    where metrics.instrument_side = 'client' and {{ date_window('metrics.metric_date') }}
    group by
        metrics.metric_hour, metrics.service_name, coalesce(provider_aliases.provider, metrics.provider),
        metrics.model, metrics.operation_name

),

span_calls as (

    select
        {{ hour_start('ended_at') }} as metric_hour,
        coalesce(service_name, {{ unknown }}) as service_name,
        coalesce(provider_id, {{ unknown }}) as provider,
        -- a gateway's span names the model with its router prefix (openai/gpt-4o-mini), the app's metrics without
        case
            when model like '%/%' and {{ split_first('model', '/') }} = provider_id
                then regexp_replace(model, '^[^/]*/', '')
            else coalesce(model, {{ unknown }})
        end as model,
        coalesce(operation_name, {{ unknown }}) as operation_name,
        {{ sample_weight('sample_rate') }} as sample_weight,
        input_tokens,
        output_tokens,
        latency_ms
    from {{ ref('int_llm_calls_priced') }}
    where call_source = 'span' and {{ date_window('call_date') }}

),

span_hours as (

    select
        {{ keys | join(', ') }},
        count(*) as span_call_count,
        sum(sample_weight) as span_weighted_call_count,
        sum(input_tokens) as span_input_tokens,
        sum(output_tokens) as span_output_tokens,
        sum(input_tokens * sample_weight) as span_weighted_input_tokens,
        {{ percentile('latency_ms', 0.95) }} / 1000.0 as span_duration_p95_seconds
    from span_calls
    group by {{ keys | join(', ') }}

),

joined as (

    select
        {% for c in keys %}coalesce(metric_hours.{{ c }}, span_hours.{{ c }}) as {{ c }},
        {% endfor -%}
        coalesce(metric_hours.call_count, 0) as metric_call_count,
        coalesce(span_hours.span_call_count, 0) as span_call_count,
        coalesce(span_hours.span_weighted_call_count, 0) as span_weighted_call_count,
        coalesce(metric_hours.input_tokens, 0) as metric_input_tokens,
        coalesce(span_hours.span_input_tokens, 0) as span_input_tokens,
        coalesce(span_hours.span_weighted_input_tokens, 0) as span_weighted_input_tokens,
        coalesce(metric_hours.output_tokens, 0) as metric_output_tokens,
        coalesce(span_hours.span_output_tokens, 0) as span_output_tokens,
        metric_hours.duration_p95_seconds as metric_duration_p95_seconds,
        span_hours.span_duration_p95_seconds
    from metric_hours
    full outer join span_hours
        on {% for c in keys %}metric_hours.{{ c }} = span_hours.{{ c }}{% if not loop.last %}
        and {% endif %}{% endfor %}

),

final as (

    select
        {{ hash_key(keys) }} as reconciliation_id,
        cast(metric_hour as date) as metric_date,
        {{ keys | join(',\n        ') }},
        metric_call_count,
        span_call_count,
        span_weighted_call_count,
        metric_input_tokens,
        span_input_tokens,
        span_weighted_input_tokens,
        metric_output_tokens,
        span_output_tokens,
        metric_duration_p95_seconds,
        span_duration_p95_seconds,
        cast(span_call_count as {{ t_float() }}) / nullif(metric_call_count, 0) as span_keep_ratio,
        span_weighted_call_count / nullif(metric_call_count, 0) - 1 as weighted_count_error,
        case
            when metric_call_count = 0 then 'spans_only'
            when span_call_count = 0 then 'metrics_only'
            when span_call_count = metric_call_count then 'complete'
            when span_call_count < metric_call_count then 'sampled'
            else 'spans_exceed_metrics'
        end as reconciliation_status
    from joined

)

select * from final
