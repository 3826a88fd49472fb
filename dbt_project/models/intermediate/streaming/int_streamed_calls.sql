{{ config(**date_partitioned('call_date')) }}

{#- One row per streamed LLM call: time to first token, time per output token
    ((duration - TTFT) / (output tokens - 1): the first token is what TTFT measured), output tokens
    per second after the first, inter-token gaps from chunk events where the instrumentation records
    them, and whether the stream was cancelled: by the client (error class cancelled) or cut off
    without a finish reason (the stream never completed). Cancelled streams still cost what they
    produced. -#}

with

calls as (

    select * from {{ ref('int_prompt_calls') }}
    where is_streaming and call_type = 'generation' and {{ date_window('call_date') }}

),

chunk_events as (

    select
        trace_id,
        span_id,
        event_at,
        lag(event_at) over (partition by trace_id, span_id order by event_at, event_index) as previous_event_at
    from {{ ref('stg_otlp__span_events') }}
    where event_name in (
            {%- for name in var('stream_chunk_event_names') %}'{{ name }}'{% if not loop.last %},
            {% endif %}{% endfor -%}
        )
        and {{ date_window('event_date', var('trace_context_days'), var('trace_context_days')) }}

),

call_gaps as (

    select
        trace_id,
        span_id,
        count(*) as chunk_event_count,
        {{ percentile(diff_ms('previous_event_at', 'event_at'), 0.95) }} as inter_token_gap_p95_ms
    from chunk_events
    where previous_event_at is not null
    group by 1, 2

),

final as (

    select
        calls.llm_call_id,
        calls.trace_id,
        calls.span_id,
        calls.tenant_id,
        calls.feature,
        calls.model,
        calls.prompt_name,
        calls.prompt_version,
        calls.started_at,
        calls.latency_ms,
        calls.ttft_ms,
        calls.output_tokens,
        calls.cost_usd,
        calls.finish_reason,
        calls.error_class,
        case
            when calls.output_tokens > 1 and calls.ttft_ms is not null and calls.latency_ms >= calls.ttft_ms
                then (calls.latency_ms - calls.ttft_ms) / (calls.output_tokens - 1)
        end as time_per_output_token_ms,
        case
            when calls.output_tokens > 0 and calls.latency_ms > coalesce(calls.ttft_ms, 0)
                then calls.output_tokens / ((calls.latency_ms - coalesce(calls.ttft_ms, 0)) / 1000.0)
        end as output_tokens_per_second,
        call_gaps.chunk_event_count + 1 as chunk_event_count,
        call_gaps.inter_token_gap_p95_ms,
        coalesce(calls.error_class = 'cancelled', false) or (calls.finish_reason is null and not calls.is_error)
            as is_cancelled,
        case
            when calls.error_class = 'cancelled' then 'client_cancel'
            when calls.finish_reason is null and not calls.is_error then 'missing_finish_reason'
        end as cancel_reason,
        calls.call_date
    from calls
    left join call_gaps
        on calls.trace_id = call_gaps.trace_id and calls.span_id = call_gaps.span_id

)

select * from final
