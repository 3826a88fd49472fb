{{ config(**date_partitioned('evaluation_date')) }}

{#- One row per evaluation result or user feedback log event, linked to its trace, with the
    judgements the eval candidates need (low score, negative feedback). -#}

with

logs as (

    select * from {{ ref('stg_otlp__logs') }}
    where {{ date_window('log_date') }}
        and (eval_name is not null or eval_score is not null or eval_label is not null or feedback_score is not null)

),

final as (

    select
        log_id as evaluation_id,
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
        log_date as evaluation_date
    from logs

)

select * from final
