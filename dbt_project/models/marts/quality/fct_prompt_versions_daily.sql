{{ config(**date_partitioned('call_date')) }}

{#- Daily behaviour of each prompt version: prompt x version x rollout label x model. Requests count
    distinct traces and so do not add up across groups. Feedback is the trace's: a request that ran
    two prompts counts for both. Rollout share is the label's share of the prompt's calls that day. -#}

{%- set classes = ['rate_limit', 'timeout', 'provider_5xx', 'content_filter', 'parse_failure', 'cancelled', 'other'] %}

with

calls as (

    select * from {{ ref('int_prompt_calls') }}
    where prompt_name is not null and {{ date_window('call_date') }}

),

evaluations as (

    -- feedback often arrives days later: every feedback on the trace counts, whatever its date
    select * from {{ ref('int_evaluations') }}
    where evaluation_kind = 'feedback' and trace_id is not null

),

trace_feedback as (

    select
        trace_id,
        max(case when is_negative_feedback then 0 else 1 end) as has_positive_feedback,
        max(case when is_negative_feedback then 1 else 0 end) as has_negative_feedback
    from evaluations
    group by 1

),

keyed as (

    select
        calls.*,
        coalesce(calls.prompt_version, '{{ var("unknown_label") }}') as version_key,
        coalesce(calls.prompt_label, '{{ var("unlabelled_prompt") }}') as label_key,
        coalesce(calls.model, '{{ var("unknown_label") }}') as model_key
    from calls

),

grouped as (

    select
        call_date,
        prompt_name,
        version_key as prompt_version,
        label_key as prompt_label,
        model_key as model,
        count(*) as call_count,
        count(distinct trace_id) as request_count,
        {{ token_sums(['input_tokens', 'output_tokens', 'total_tokens']) }},
        sum(cost_usd) as cost_usd,
        {{ count_where('is_unpriced') }} as unpriced_call_count,
        {{ percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as latency_p95_ms,
        {{ percentile('ttft_ms', 0.5) }} as ttft_p50_ms,
        {{ count_where('is_error') }} as error_count,
        {%- for class in classes %}
        {{ count_where("error_class = '" ~ class ~ "'") }} as {{ class }}_count,
        {%- endfor %}
        {{ count_where('is_retry') }} as retry_count,
        {{ count_where('is_refusal') }} as refusal_count,
        {{ count_where('is_truncated') }} as truncated_count
    from keyed
    group by 1, 2, 3, 4, 5

),

group_feedback as (

    select
        keyed.call_date,
        keyed.prompt_name,
        keyed.version_key,
        keyed.label_key,
        keyed.model_key,
        {{ count_where('trace_feedback.has_positive_feedback = 1') }} as positive_feedback_count,
        {{ count_where('trace_feedback.has_negative_feedback = 1') }} as negative_feedback_count
    from (
        select distinct
            call_date,
            prompt_name,
            version_key,
            label_key,
            model_key,
            trace_id
        from keyed
    ) as keyed
    inner join trace_feedback
        on keyed.trace_id = trace_feedback.trace_id
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ hash_key([
            'grouped.call_date', 'grouped.prompt_name', 'grouped.prompt_version', 'grouped.prompt_label',
            'grouped.model',
        ]) }} as prompt_day_id,
        grouped.call_date,
        grouped.prompt_name,
        grouped.prompt_version,
        grouped.prompt_label,
        grouped.model,
        grouped.call_count,
        grouped.request_count,
        grouped.input_tokens,
        grouped.output_tokens,
        grouped.total_tokens,
        grouped.cost_usd,
        grouped.unpriced_call_count,
        {{ money('grouped.cost_usd / grouped.request_count') }} as cost_per_request_usd,
        cast(grouped.total_tokens as {{ t_float() }}) / grouped.request_count as tokens_per_request,
        grouped.latency_p50_ms,
        grouped.latency_p95_ms,
        grouped.ttft_p50_ms,
        grouped.error_count,
        cast(grouped.error_count as {{ t_float() }}) / grouped.call_count as error_rate,
        {%- for class in classes %}
        grouped.{{ class }}_count,
        {%- endfor %}
        cast(grouped.retry_count as {{ t_float() }}) / grouped.call_count as retry_rate,
        cast(grouped.refusal_count as {{ t_float() }}) / grouped.call_count as refusal_rate,
        cast(grouped.truncated_count as {{ t_float() }}) / grouped.call_count as truncation_rate,
        grouped.parse_failure_count as structured_output_failure_count,
        coalesce(group_feedback.positive_feedback_count, 0) as positive_feedback_count,
        coalesce(group_feedback.negative_feedback_count, 0) as negative_feedback_count,
        cast(coalesce(group_feedback.positive_feedback_count, 0) as {{ t_float() }}) / grouped.request_count
            as positive_feedback_rate,
        cast(coalesce(group_feedback.negative_feedback_count, 0) as {{ t_float() }}) / grouped.request_count
            as negative_feedback_rate,
        cast(grouped.call_count as {{ t_float() }}) / sum(grouped.call_count) over (
            partition by grouped.call_date, grouped.prompt_name
        ) as rollout_share
    from grouped
    left join group_feedback
        on grouped.call_date = group_feedback.call_date
        and grouped.prompt_name = group_feedback.prompt_name
        and grouped.prompt_version = group_feedback.version_key
        and grouped.prompt_label = group_feedback.label_key
        and grouped.model = group_feedback.model_key

)

select * from final
