{{ config(**date_partitioned('span_date')) }}

{#- Every span with what it inherits from the spans above it: attributes set on one span of a trace
    (tenant, feature, team, user, ...) apply to the spans below it that lack them, the nearest
    ancestor winning. Also the span's depth, its request (root) span and its agent run. Spans whose
    parent is not in the lake start a partial tree of their own. -#}

with recursive

spans as (

    select *
    from {{ ref('stg_otlp__spans') }}
    -- neighbouring dates give the context of requests that cross midnight
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

deduplicated as (

    -- an exporter retry can deliver the same span twice
    select *
    from spans
    where true
    qualify row_number() over (
        partition by trace_id, span_id order by source_file_id, source_offset
    ) = 1

),

flagged as (

    select
        deduplicated.*,
        coalesce(deduplicated.span_type = 'agent' or deduplicated.operation_name in ('invoke_agent', 'create_agent'), false) as is_agent_span,
        parents.span_id is null or deduplicated.parent_span_id = deduplicated.span_id as is_tree_root
    from deduplicated
    left join deduplicated as parents
        on deduplicated.trace_id = parents.trace_id
        and deduplicated.parent_span_id = parents.span_id

),

tree as (

    select
        trace_id,
        span_id,
        0 as span_depth,
        span_id as root_span_id,
        case when is_agent_span then span_id end as agent_run_span_id,
        case when is_agent_span then 1 else 0 end as agent_depth,
        tenant_id,
        feature,
        team,
        user_hash,
        session_hash,
        conversation_id,
        deployment_environment,
        prompt_id,
        prompt_version,
        sample_rate
    from flagged
    where is_tree_root

    union all

    select
        child.trace_id,
        child.span_id,
        parent.span_depth + 1,
        parent.root_span_id,
        coalesce(parent.agent_run_span_id, case when child.is_agent_span then child.span_id end),
        parent.agent_depth + case when child.is_agent_span then 1 else 0 end,
        coalesce(child.tenant_id, parent.tenant_id),
        coalesce(child.feature, parent.feature),
        coalesce(child.team, parent.team),
        coalesce(child.user_hash, parent.user_hash),
        coalesce(child.session_hash, parent.session_hash),
        coalesce(child.conversation_id, parent.conversation_id),
        coalesce(child.deployment_environment, parent.deployment_environment),
        coalesce(child.prompt_id, parent.prompt_id),
        coalesce(child.prompt_version, parent.prompt_version),
        coalesce(child.sample_rate, parent.sample_rate)
    from flagged as child
    inner join tree as parent
        on child.trace_id = parent.trace_id
        and child.parent_span_id = parent.span_id
    where not child.is_tree_root
        and parent.span_depth < 64  -- guards against cycles in malformed input

),

final as (

    select
        flagged.trace_id,
        flagged.span_id,
        flagged.parent_span_id,
        tree.root_span_id,
        flagged.parent_span_id is null as is_root,
        flagged.is_tree_root,
        tree.span_depth,
        tree.agent_run_span_id,
        tree.agent_depth,
        flagged.is_agent_span,
        flagged.span_name,
        flagged.span_kind,
        flagged.span_type,
        flagged.llm_convention,
        flagged.started_at,
        flagged.ended_at,
        flagged.duration_ms,
        flagged.status_code,
        flagged.status_message,
        tree.tenant_id,
        tree.feature,
        tree.team,
        tree.user_hash,
        tree.session_hash,
        tree.conversation_id,
        tree.deployment_environment,
        tree.prompt_id,
        tree.prompt_version,
        tree.sample_rate,
        flagged.service_name,
        flagged.service_version,
        flagged.provider_name,
        flagged.operation_name,
        flagged.request_model,
        flagged.response_model,
        flagged.input_tokens,
        flagged.output_tokens,
        flagged.cache_read_tokens,
        flagged.cache_write_tokens,
        flagged.reasoning_tokens,
        flagged.total_tokens,
        flagged.reported_cost_usd,
        flagged.finish_reasons,
        flagged.is_streaming,
        flagged.ttft_ms,
        flagged.tool_name,
        flagged.agent_name,
        flagged.retry_attempt,
        flagged.is_fallback,
        flagged.http_status_code,
        flagged.error_type,
        flagged.output_chars,
        flagged.span_date
    from flagged
    inner join tree
        on flagged.trace_id = tree.trace_id
        and flagged.span_id = tree.span_id
    where {{ date_window('flagged.span_date') }}

)

select * from final
