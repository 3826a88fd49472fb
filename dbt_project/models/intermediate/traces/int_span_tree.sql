{{ config(**date_partitioned('span_date')) }}

{#- The shape of every trace, ids only: each span's depth, its request (root) span and the outermost
    agent span above it. Kept narrow on purpose: walking parent links is a recursive join, and
    carrying wide rows through it costs minutes at ten million spans. Spans whose parent is not in
    the lake start a partial tree of their own. -#}

with recursive

edges as {{ materialized_cte() }} (

    select
        trace_id,
        span_id,
        min(parent_span_id) as parent_span_id,
        max(case when span_type = 'agent' or operation_name in ('invoke_agent', 'create_agent') then 1 else 0 end) = 1
            as is_agent_span,
        min(span_date) as span_date
    from {{ ref('stg_otlp__spans') }}
    -- neighbouring dates give the context of requests that cross midnight
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
        flagged.span_date
    from flagged
    inner join tree
        on flagged.trace_id = tree.trace_id
        and flagged.span_id = tree.span_id
    where {{ date_window('flagged.span_date') }}

)

select * from final
