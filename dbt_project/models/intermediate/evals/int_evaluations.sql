{{ config(**date_partitioned('evaluation_date')) }}

{#- One row per evaluation result or user feedback, linked to the trace and span it judges, with the
    judgements the eval candidates need (low score, negative feedback). Evaluations arrive three ways:
    log events (feedback, evaluation.* records), evaluator spans (OpenInference EVALUATOR, or any span
    carrying eval.* attributes), and GenAI `gen_ai.evaluation.result` span events. -#}

with

logs as (

    select * from {{ ref('stg_otlp__logs') }}
    where {{ date_window('log_date') }}
        and (eval_name is not null or eval_score is not null or eval_label is not null or feedback_score is not null)

),

evaluator_spans as (

    select * from {{ ref('int_spans_attributed') }}
    where {{ date_window('span_date') }}
        and (eval_name is not null or eval_score is not null or eval_label is not null)

),

evaluation_events as (

    select
        trace_id,
        span_id,
        event_index,
        event_name,
        event_at,
        tenant_id,
        user_hash,
        {{ first_json_string('event_attributes', var('evaluation_name_keys')) }} as eval_name,
        {{ safe_cast(first_json_string('event_attributes', var('evaluation_score_keys')), t_float()) }} as eval_score,
        {{ first_json_string('event_attributes', var('evaluation_label_keys')) }} as eval_label,
        event_date
    from {{ ref('stg_otlp__span_events') }}
    where {{ date_window('event_date') }}
        and event_name in ({{ quoted_list(var('evaluation_event_names')) }})

),

-- an event's tenant and user are its span's, inherited from the trace when the span lacks them
event_spans as (

    select
        trace_id,
        span_id,
        tenant_id,
        user_hash
    from {{ ref('int_spans_attributed') }}
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

unioned as (

    select
        log_id as evaluation_id,
        'log' as evaluation_source,
        trace_id,
        span_id,
        logged_at as evaluated_at,
        tenant_id,
        user_hash,
        event_name,
        case when feedback_score is not null and eval_name is null then 'feedback' else 'evaluation' end
            as evaluation_kind,
        eval_name,
        eval_score,
        eval_label,
        feedback_score,
        log_date as evaluation_date
    from logs

    union all

    select
        {{ hash_key(["'span'", 'trace_id', 'span_id']) }} as evaluation_id,
        'span' as evaluation_source,
        trace_id,
        -- an evaluator span judges the operation it hangs under; a span with its own eval.* judges itself
        case when span_type = 'evaluator' then coalesce(parent_span_id, span_id) else span_id end as span_id,
        ended_at as evaluated_at,
        tenant_id,
        user_hash,
        span_name as event_name,
        'evaluation' as evaluation_kind,
        eval_name,
        eval_score,
        eval_label,
        cast(null as {{ t_float() }}) as feedback_score,
        span_date as evaluation_date
    from evaluator_spans

    union all

    select
        {{ hash_key(["'span_event'", 'evaluation_events.trace_id', 'evaluation_events.span_id',
                     'evaluation_events.event_index']) }} as evaluation_id,
        'span_event' as evaluation_source,
        evaluation_events.trace_id,
        evaluation_events.span_id,
        evaluation_events.event_at as evaluated_at,
        coalesce(event_spans.tenant_id, evaluation_events.tenant_id) as tenant_id,
        coalesce(event_spans.user_hash, evaluation_events.user_hash) as user_hash,
        evaluation_events.event_name,
        'evaluation' as evaluation_kind,
        evaluation_events.eval_name,
        evaluation_events.eval_score,
        evaluation_events.eval_label,
        cast(null as {{ t_float() }}) as feedback_score,
        evaluation_events.event_date as evaluation_date
    from evaluation_events
    left join event_spans
        on evaluation_events.trace_id = event_spans.trace_id
        and evaluation_events.span_id = event_spans.span_id
    where evaluation_events.eval_name is not null
        or evaluation_events.eval_score is not null
        or evaluation_events.eval_label is not null

),

final as (

    select
        evaluation_id,
        evaluation_source,
        trace_id,
        span_id,
        evaluated_at,
        tenant_id,
        user_hash,
        event_name,
        evaluation_kind,
        eval_name,
        eval_score,
        lower(eval_label) as eval_label,
        feedback_score,
        coalesce(
            eval_score < {{ var('low_eval_score_threshold') }}
            or lower(eval_label) in (
                'fail', 'failed', 'incorrect', 'hallucinated', 'hallucination', 'toxic', 'bad', 'unsafe'
            ),
            false
        ) as is_low_eval_score,
        coalesce(feedback_score <= {{ var('negative_feedback_max_score') }}, false) as is_negative_feedback,
        evaluation_date
    from unioned

)

select * from final
