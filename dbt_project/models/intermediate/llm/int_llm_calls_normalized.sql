{{ config(**date_partitioned('call_date')) }}

{#- One row per LLM call, whatever convention reported it: LLM / embedding spans (GenAI,
    OpenInference, OpenLLMetry, custom) and Claude Code `api_request` log events. Trace attributes
    are already filled down (int_spans_attributed). Normalizes vocabularies (finish reasons,
    provider names), derives missing token counts and the failure flags used downstream. -#}

with

spans as (

    select * from {{ ref('int_spans_attributed') }}
    where {{ date_window('span_date') }}

),

claude_code_events as (

    select * from {{ ref('stg_otlp__logs') }}
    where event_name = 'claude_code.api_request'
        and {{ date_window('log_date') }}

),

llm_spans as (

    select
        trace_id || '-' || span_id as llm_call_id,
        'span' as call_source,
        trace_id,
        span_id,
        parent_span_id,
        root_span_id,
        agent_run_span_id,
        coalesce(llm_convention, 'custom') as llm_convention,
        started_at,
        ended_at,
        span_date as call_date,
        tenant_id,
        feature,
        team,
        user_hash,
        session_hash,
        conversation_id,
        deployment_environment,
        service_name,
        service_version,
        provider_name,
        operation_name,
        span_type,
        request_model,
        response_model,
        prompt_id,
        prompt_version,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
        reasoning_tokens,
        total_tokens,
        reported_cost_usd,
        duration_ms as latency_ms,
        ttft_ms,
        finish_reasons,
        status_code,
        http_status_code,
        error_type,
        retry_attempt,
        is_fallback,
        is_streaming,
        sample_rate
    from spans
    where span_type in ('llm', 'embedding')
        or operation_name in ('chat', 'text_completion', 'generate_content', 'completion', 'embeddings')

),

claude_code_calls as (

    select
        'log-' || log_id as llm_call_id,
        'log' as call_source,
        trace_id,
        span_id,
        cast(null as {{ t_string() }}) as parent_span_id,
        cast(null as {{ t_string() }}) as root_span_id,
        cast(null as {{ t_string() }}) as agent_run_span_id,
        'claude_code' as llm_convention,
        case
            when duration_ms is not null then {{ add_ms('logged_at', '-duration_ms') }}
            else logged_at
        end as started_at,
        logged_at as ended_at,
        log_date as call_date,
        tenant_id,
        coalesce(feature, 'claude_code') as feature,
        team,
        user_hash,
        session_hash,
        conversation_id,
        deployment_environment,
        service_name,
        service_version,
        coalesce(provider_name, 'anthropic') as provider_name,
        coalesce(operation_name, 'chat') as operation_name,
        'llm' as span_type,
        coalesce(request_model, {{ json_string('log_attributes', 'model') }}) as request_model,
        response_model,
        prompt_id,
        prompt_version,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
        reasoning_tokens,
        total_tokens,
        reported_cost_usd,
        duration_ms as latency_ms,
        ttft_ms,
        finish_reasons,
        cast(null as {{ t_string() }}) as status_code,
        http_status_code,
        error_type,
        retry_attempt,
        is_fallback,
        is_streaming,
        sample_rate
    from claude_code_events

),

unioned as (

    select * from llm_spans
    union all
    select * from claude_code_calls

),

normalized as (

    select
        llm_call_id,
        call_source,
        trace_id,
        span_id,
        parent_span_id,
        root_span_id,
        agent_run_span_id,
        llm_convention,
        started_at,
        ended_at,
        call_date,
        tenant_id,
        feature,
        team,
        user_hash,
        session_hash,
        conversation_id,
        deployment_environment,
        service_name,
        service_version,
        lower(trim(provider_name)) as provider_name,
        coalesce(operation_name, case when span_type = 'embedding' then 'embeddings' else 'chat' end) as operation_name,
        case
            when span_type = 'embedding' or operation_name = 'embeddings' then 'embedding'
            else 'generation'
        end as call_type,
        request_model,
        response_model,
        coalesce(nullif(response_model, ''), nullif(request_model, '')) as model,
        prompt_id,
        prompt_version,
        -- input tokens include cache reads and writes (GenAI semconv); output includes reasoning.
        -- Claude Code reports them the Anthropic API way: input_tokens without the cached part.
        case
            when llm_convention = 'claude_code' and {{ var('claude_code_input_excludes_cache') }}
                then coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
            else coalesce(input_tokens, total_tokens - output_tokens, 0)
        end as input_tokens,
        coalesce(cache_read_tokens, 0) as cache_read_tokens,
        coalesce(cache_write_tokens, 0) as cache_write_tokens,
        coalesce(output_tokens, total_tokens - input_tokens, 0) as output_tokens,
        coalesce(reasoning_tokens, 0) as reasoning_tokens,
        input_tokens is not null or output_tokens is not null or total_tokens is not null as has_usage,
        reported_cost_usd,
        latency_ms,
        ttft_ms,
        finish_reasons,
        -- the first reason, in OpenAI's vocabulary
        case lower(trim(split_part_first))
            when 'end_turn' then 'stop'
            when 'stop_sequence' then 'stop'
            when 'max_tokens' then 'length'
            when 'max_output_tokens' then 'length'
            when 'tool_use' then 'tool_calls'
            when 'function_call' then 'tool_calls'
            when 'safety' then 'content_filter'
            when 'recitation' then 'content_filter'
            when 'blocklist' then 'content_filter'
            when 'prohibited_content' then 'content_filter'
            when 'spii' then 'content_filter'
            when 'finish_reason_unspecified' then null
            when '' then null
            else lower(trim(split_part_first))
        end as finish_reason,
        upper(coalesce(status_code, 'UNSET')) as status_code,
        http_status_code,
        error_type,
        coalesce(retry_attempt, 0) as retry_attempt,
        coalesce(is_fallback, false) as is_fallback,
        coalesce(is_streaming, ttft_ms is not null) as is_streaming,
        sample_rate
    from (
        select
            unioned.*,
            {{ split_first('finish_reasons', ',') }} as split_part_first
        from unioned
    ) as with_first_reason

),

final as (

    select
        *,
        greatest(input_tokens - cache_read_tokens - cache_write_tokens, 0) as uncached_input_tokens,
        input_tokens + output_tokens as total_tokens,
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
    from normalized

)

select * from final
