{{ config(**date_partitioned('span_date')) }}

{#- Every span (deduplicated) with its place in the trace (int_span_tree) and the trace attributes it
    lacks: attributes set on one span of a trace (tenant, feature, team, user, ...) apply to the spans
    of that trace that lack them, the root span's value first, else the earliest span carrying one. -#}

with

spans as (

    select *
    from {{ ref('stg_otlp__spans') }}
    -- neighbouring dates give the context of requests that cross midnight
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

tree as (

    select * from {{ ref('int_span_tree') }}
    where {{ date_window('span_date') }}

),

deduplicated as (

    -- an exporter retry can deliver the same span twice
    select *
    from spans
    where true
    qualify row_number() over (partition by trace_id, span_id order by source_file_id, source_offset) = 1

),

{%- set inherited = ['tenant_id', 'feature', 'team', 'user_hash', 'session_hash', 'conversation_id',
                     'deployment_environment', 'prompt_id', 'prompt_version', 'sample_rate'] %}

filled as (

    -- one window (same partition and order for every column, so one sort)
    select
        deduplicated.*,
        {%- for column in inherited %}
        coalesce(
            deduplicated.{{ column }},
            first_value(deduplicated.{{ column }} ignore nulls) over (
                partition by deduplicated.trace_id
                order by
                    case when deduplicated.parent_span_id is null then 0 else 1 end,
                    deduplicated.started_at, deduplicated.span_id
                rows between unbounded preceding and unbounded following
            )
        ) as trace_{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from deduplicated

),

final as (

    select
        filled.trace_id,
        filled.span_id,
        filled.parent_span_id,
        tree.root_span_id,
        tree.is_root,
        tree.is_tree_root,
        tree.span_depth,
        tree.agent_run_span_id,
        tree.agent_depth,
        tree.is_agent_span,
        filled.span_name,
        filled.span_kind,
        filled.span_type,
        filled.llm_convention,
        filled.started_at,
        filled.ended_at,
        filled.duration_ms,
        filled.status_code,
        filled.status_message,
        {%- for column in inherited %}
        filled.trace_{{ column }} as {{ column }},
        {%- endfor %}
        filled.service_name,
        filled.service_version,
        filled.provider_name,
        filled.operation_name,
        filled.request_model,
        filled.response_model,
        filled.input_tokens,
        filled.output_tokens,
        filled.cache_read_tokens,
        filled.cache_write_tokens,
        filled.reasoning_tokens,
        filled.total_tokens,
        filled.reported_cost_usd,
        filled.finish_reasons,
        filled.is_streaming,
        filled.ttft_ms,
        filled.tool_name,
        filled.agent_name,
        filled.retry_attempt,
        filled.is_fallback,
        filled.http_status_code,
        filled.error_type,
        filled.output_chars,
        filled.span_date
    from filled
    inner join tree
        on filled.trace_id = tree.trace_id
        and filled.span_id = tree.span_id
    where {{ date_window('filled.span_date') }}

)

select * from final
