{{ config(**date_partitioned('span_date')) }}

{#- Every span (deduplicated) with its place in the trace and the trace attributes it lacks.

    The place: each span's depth, its request (root) span and the outermost agent span above it, by
    walking parent links. The walk is a recursive join over ids only, in materialized CTEs: carrying
    wide rows through it costs minutes at ten million spans. Spans whose parent is not in the lake
    start a partial tree of their own.

    The attributes: those set on one span of a trace (tenant, feature, team, user, ...) apply to the
    spans of that trace that lack them, the root span's value first, else the earliest span carrying one. -#}

with recursive

spans as (

    select *
    from {{ ref('stg_otlp__spans') }}
    -- neighbouring dates give the context of requests that cross midnight
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

edges as {{ materialized_cte() }} (

    select
        trace_id,
        span_id,
        min(parent_span_id) as parent_span_id,
        max(case when span_type = 'agent' or operation_name in ('invoke_agent', 'create_agent') then 1 else 0 end) = 1
            as is_agent_span,
        min(span_date) as span_date
    -- the staging view again rather than `spans`: a scan of five columns, not a wide CTE kept in memory
    from {{ ref('stg_otlp__spans') }}
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}
    group by trace_id, span_id

),

flagged as {{ materialized_cte() }} (

    select
        edges.*,
        parents.span_id is null or edges.parent_span_id = edges.span_id as is_tree_root
    from edges
    left join edges as parents
        on edges.trace_id = parents.trace_id
        and edges.parent_span_id = parents.span_id

),

tree as (

    select
        trace_id,
        span_id,
        0 as span_depth,
        span_id as root_span_id,
        case when is_agent_span then span_id end as agent_run_span_id,
        case when is_agent_span then 1 else 0 end as agent_depth
    from flagged
    where is_tree_root

    union all

    select
        child.trace_id,
        child.span_id,
        parent.span_depth + 1 as span_depth,
        parent.root_span_id,
        coalesce(parent.agent_run_span_id, case when child.is_agent_span then child.span_id end) as agent_run_span_id,
        parent.agent_depth + case when child.is_agent_span then 1 else 0 end as agent_depth
    from flagged as child
    inner join tree as parent
        on child.trace_id = parent.trace_id
        and child.parent_span_id = parent.span_id
    where not child.is_tree_root
        and parent.span_depth < 64  -- guards against cycles in malformed input

),

placed as (

    -- the place of each span of the window (one row per span id, whatever duplicates the lake has)
    select
        flagged.trace_id,
        flagged.span_id,
        tree.root_span_id,
        flagged.parent_span_id is null as is_root,
        flagged.is_tree_root,
        tree.span_depth,
        tree.agent_run_span_id,
        tree.agent_depth,
        flagged.is_agent_span
    from flagged
    inner join tree
        on flagged.trace_id = tree.trace_id
        and flagged.span_id = tree.span_id
    where {{ date_window('flagged.span_date') }}

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
        placed.root_span_id,
        placed.is_root,
        placed.is_tree_root,
        placed.span_depth,
        placed.agent_run_span_id,
        placed.agent_depth,
        placed.is_agent_span,
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
        filled.content_hmac,
        filled.eval_name,
        filled.eval_score,
        filled.eval_label,
        filled.scope_name,
        filled.scope_version,
        filled.response_id,
        filled.vercel_operation_id,
        filled.service_tier,
        filled.reported_input_cost_usd,
        filled.reported_output_cost_usd,
        filled.reported_cache_read_cost_usd,
        filled.span_date
    from filled
    inner join placed
        on filled.trace_id = placed.trace_id
        and filled.span_id = placed.span_id
    where {{ date_window('filled.span_date') }}

)

select * from final
