{{ config(**date_partitioned('call_date')) }}

{#- One row per provider call. Provider SDKs emit their own spans and an instrumentation library
    (OpenLLMetry, OpenInference, the official OpenTelemetry ones) or a gateway adds its own for the same
    request: without this model calls, tokens and cost count twice.

    Two observations are one call when they are spans of one trace from different instrumentation
    scopes (one library does not report a call twice) and either carry the same response id, or, when
    one of them has none: they overlap in time, sit side by side under one parent or one wraps the
    other, name the same model (a failed call may name none) and report the same input tokens where
    both do. Retries and fallbacks are sequential, and parallel twins have their own parents or
    response ids: they stay apart. Chains of three observations (SDK, instrumentation, gateway) join.

    The merged call takes each value from the best source that has it (seed llm_instrumentation_sources,
    source_rank: provider SDK first), so cache-write tokens may come from one source and exact output
    tokens from another; `merged_sources` records which were merged. Token classes are already
    normalized (int_llm_calls_normalized); a call whose classes still do not add up is flagged. -#}

{%- set merged = ['provider_name', 'operation_name', 'request_model', 'response_model', 'response_id',
                  'prompt_id', 'prompt_version', 'input_tokens', 'cache_read_tokens', 'cache_write_tokens',
                  'output_tokens', 'reasoning_tokens', 'reported_cost_usd', 'reported_input_cost_usd',
                  'reported_output_cost_usd', 'reported_cache_read_cost_usd', 'ttft_ms', 'finish_reasons',
                  'finish_reason', 'http_status_code', 'error_type', 'is_streaming', 'service_tier'] %}

with

observations as (

    select * from {{ ref('int_llm_calls_normalized') }}
    where {{ date_window('call_date') }}

),

traced as (

    select
        llm_call_id,
        trace_id,
        span_id,
        parent_span_id,
        scope_name,
        call_type,
        response_id,
        started_at,
        ended_at,
        -- a gateway's router prefix (openai/gpt-4o) is not another model
        regexp_replace(lower(request_model), '^.*/', '') as request_model,
        regexp_replace(lower(response_model), '^.*/', '') as response_model,
        input_tokens
    from observations
    where call_source = 'span'

),

same_call_pairs as (

    select
        first_seen.llm_call_id as first_call_id,
        second_seen.llm_call_id as second_call_id
    from traced as first_seen
    inner join traced as second_seen
        on first_seen.trace_id = second_seen.trace_id
        and first_seen.llm_call_id < second_seen.llm_call_id
    where coalesce(first_seen.scope_name, '') != coalesce(second_seen.scope_name, '')
        and first_seen.call_type = second_seen.call_type
        and (
            first_seen.response_id = second_seen.response_id
            or (
                (first_seen.response_id is null or second_seen.response_id is null)
                and first_seen.started_at <= second_seen.ended_at
                and second_seen.started_at <= first_seen.ended_at
                and (
                    first_seen.parent_span_id = second_seen.parent_span_id
                    or first_seen.parent_span_id = second_seen.span_id
                    or second_seen.parent_span_id = first_seen.span_id
                )
                and (
                    coalesce(first_seen.request_model, first_seen.response_model) is null
                    or coalesce(second_seen.request_model, second_seen.response_model) is null
                    or first_seen.request_model in (second_seen.request_model, second_seen.response_model)
                    or first_seen.response_model in (second_seen.request_model, second_seen.response_model)
                )
                and (
                    first_seen.input_tokens is null
                    or second_seen.input_tokens is null
                    or first_seen.input_tokens = second_seen.input_tokens
                )
            )
        )

),

edges as (

    select
        first_call_id as llm_call_id,
        second_call_id as other_call_id
    from same_call_pairs
    union all
    select
        second_call_id as llm_call_id,
        first_call_id as other_call_id
    from same_call_pairs

),

first_round as (

    select
        observations.llm_call_id,
        least(observations.llm_call_id, coalesce(min(edges.other_call_id), observations.llm_call_id)) as call_id
    from observations
    left join edges
        on observations.llm_call_id = edges.llm_call_id
    group by observations.llm_call_id

),

grouped as (

    -- a second round joins chains (a ~ b, b ~ c) into one call
    select
        first_round.llm_call_id,
        least(first_round.call_id, coalesce(min(neighbours.call_id), first_round.call_id)) as call_id
    from first_round
    left join edges
        on first_round.llm_call_id = edges.llm_call_id
    left join first_round as neighbours
        on edges.other_call_id = neighbours.llm_call_id
    group by first_round.llm_call_id, first_round.call_id

),

ranked as (

    select
        observations.*,
        grouped.call_id,
        row_number() over (
            partition by grouped.call_id order by observations.source_rank asc, observations.llm_call_id asc
        ) as rank_in_call,
        {%- for column in merged %}
        first_value(observations.{{ column }} ignore nulls) over (
            partition by grouped.call_id
            order by observations.source_rank asc, observations.llm_call_id asc
            rows between unbounded preceding and unbounded following
        ) as merged_{{ column }},
        {%- endfor %}
        max(observations.retry_attempt) over (partition by grouped.call_id) as merged_retry_attempt,
        max(case when observations.is_fallback then 1 else 0 end) over (partition by grouped.call_id) = 1
            as merged_is_fallback,
        max(case when observations.status_code = 'ERROR' then 1 else 0 end) over (partition by grouped.call_id) = 1
            as merged_is_status_error
    from observations
    inner join grouped
        on observations.llm_call_id = grouped.llm_call_id

),

sources_of_calls as (

    select
        call_id,
        count(*) as observation_count,
        string_agg(
            distinct source_kind || ':' || coalesce(scope_name, llm_convention),
            ', '
            order by source_kind || ':' || coalesce(scope_name, llm_convention)
        ) as merged_sources
    from ranked
    group by call_id

),

merged as (

    select
        ranked.llm_call_id,
        ranked.call_source,
        ranked.trace_id,
        ranked.span_id,
        ranked.parent_span_id,
        ranked.root_span_id,
        ranked.agent_run_span_id,
        ranked.llm_convention,
        ranked.source_kind,
        sources_of_calls.observation_count,
        sources_of_calls.merged_sources,
        ranked.started_at,
        ranked.ended_at,
        ranked.call_date,
        ranked.tenant_id,
        ranked.feature,
        ranked.team,
        ranked.user_hash,
        ranked.session_hash,
        ranked.conversation_id,
        ranked.deployment_environment,
        ranked.service_name,
        ranked.service_version,
        ranked.merged_provider_name as provider_name,
        coalesce(ranked.merged_operation_name, ranked.operation_name) as operation_name,
        ranked.call_type,
        ranked.merged_request_model as request_model,
        ranked.merged_response_model as response_model,
        coalesce(
            nullif(ranked.merged_response_model, ''), nullif(ranked.merged_request_model, '')
        ) as model,
        ranked.merged_response_id as response_id,
        coalesce(ranked.merged_service_tier, 'standard') as service_tier,
        ranked.merged_prompt_id as prompt_id,
        ranked.merged_prompt_version as prompt_version,
        coalesce(ranked.merged_input_tokens, 0) as input_tokens,
        coalesce(ranked.merged_cache_read_tokens, 0) as cache_read_tokens,
        coalesce(ranked.merged_cache_write_tokens, 0) as cache_write_tokens,
        coalesce(ranked.merged_output_tokens, 0) as output_tokens,
        coalesce(ranked.merged_reasoning_tokens, 0) as reasoning_tokens,
        (
            ranked.merged_input_tokens is not null
            or ranked.merged_output_tokens is not null
            or ranked.merged_cache_read_tokens is not null
            or ranked.merged_cache_write_tokens is not null
        ) as has_usage,
        ranked.merged_reported_cost_usd as reported_cost_usd,
        ranked.merged_reported_input_cost_usd as reported_input_cost_usd,
        ranked.merged_reported_output_cost_usd as reported_output_cost_usd,
        ranked.merged_reported_cache_read_cost_usd as reported_cache_read_cost_usd,
        ranked.latency_ms,
        ranked.merged_ttft_ms as ttft_ms,
        ranked.merged_finish_reasons as finish_reasons,
        ranked.merged_finish_reason as finish_reason,
        case when ranked.merged_is_status_error then 'ERROR' else ranked.status_code end as status_code,
        ranked.merged_http_status_code as http_status_code,
        ranked.merged_error_type as error_type,
        coalesce(ranked.merged_retry_attempt, 0) as retry_attempt,
        ranked.merged_is_fallback as is_fallback,
        coalesce(ranked.merged_is_streaming, ranked.merged_ttft_ms is not null) as is_streaming,
        ranked.sample_rate
    from ranked
    inner join sources_of_calls
        on ranked.call_id = sources_of_calls.call_id
    where ranked.rank_in_call = 1

),

final as (

    select
        *,
        greatest(input_tokens - cache_read_tokens - cache_write_tokens, 0) as uncached_input_tokens,
        input_tokens + output_tokens as total_tokens,
        -- classes that cannot all be true at once: the call is flagged and not priced from them
        (
            input_tokens < 0 or output_tokens < 0 or cache_read_tokens < 0 or cache_write_tokens < 0
            or reasoning_tokens < 0
            or cache_read_tokens + cache_write_tokens > input_tokens
            or reasoning_tokens > output_tokens
        ) as is_token_classes_inconsistent,
        case
            when latency_ms > 0 and output_tokens > 0 and ttft_ms is not null and latency_ms > ttft_ms
                then output_tokens / ((latency_ms - ttft_ms) / 1000.0)
            when latency_ms > 0 and output_tokens > 0
                then output_tokens / (latency_ms / 1000.0)
        end as output_tokens_per_second,
        status_code = 'ERROR' or coalesce(http_status_code >= 400, false) as is_error,
        retry_attempt > 0 as is_retry,
        (
            call_type = 'generation' and output_tokens = 0 and has_usage and status_code != 'ERROR'
        ) as is_empty_output,
        coalesce(finish_reason = 'length', false) as is_truncated,
        coalesce(finish_reason = 'content_filter', false) as is_content_filtered,
        coalesce(finish_reason = 'refusal' or lower(error_type) like '%refus%', false) as is_refusal
    from merged

)

select * from final
