{{ config(**date_partitioned('call_date')) }}

{#- One row per observation of an LLM call, whatever convention reported it: LLM / embedding spans
    (GenAI, OpenInference, OpenLLMetry, the Vercel AI SDK, provider SDKs, custom) and Claude Code
    `api_request` log events. A call traced by two libraries is two rows here; int_llm_calls_deduplicated
    makes them one. Trace attributes are already filled down (int_spans_attributed).

    Token classes are normalized to one meaning, whoever wrote them (seed llm_instrumentation_sources,
    matched on the instrumentation scope): input = uncached + cache read + cache write; output includes
    reasoning. They stay null where the source did not say, so that merging can take them from another
    source. The Vercel AI SDK's outer spans (ai.generateText, ai.streamText, ...) sum the usage of their
    .doGenerate / .doStream steps: the steps are the calls, the outer spans are not. -#}

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

sources as (

    select
        coalesce(scope_prefix, '') as scope_prefix,
        source_kind,
        source_rank,
        input_includes_cache_read,
        input_includes_cache_write
    from {{ ref('llm_instrumentation_sources') }}

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
        case
            when vercel_operation_id is not null then 'vercel_ai'
            else coalesce(llm_convention, 'custom')
        end as llm_convention,
        scope_name,
        scope_version,
        response_id,
        vercel_operation_id,
        service_tier,
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
        reported_input_cost_usd,
        reported_output_cost_usd,
        reported_cache_read_cost_usd,
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
    where (
        span_type in ('llm', 'embedding')
        or operation_name in ('chat', 'text_completion', 'generate_content', 'completion', 'embeddings')
    )
    -- the Vercel AI SDK's calls are its .doGenerate / .doStream / .doEmbed steps
    and (vercel_operation_id is null or vercel_operation_id like 'ai.%.do%')

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
        cast(null as {{ t_string() }}) as scope_name,
        cast(null as {{ t_string() }}) as scope_version,
        {{ first_json_string('log_attributes', ['request_id', 'response_id']) }} as response_id,
        cast(null as {{ t_string() }}) as vercel_operation_id,
        cast(null as {{ t_string() }}) as service_tier,
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
        cast(null as {{ t_money() }}) as reported_input_cost_usd,
        cast(null as {{ t_money() }}) as reported_output_cost_usd,
        cast(null as {{ t_money() }}) as reported_cache_read_cost_usd,
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

unioned_with_source as (

    -- the instrumentation each row came from: the longest scope prefix of the seed that matches
    select
        calls.*,
        case
            when calls.llm_convention = 'claude_code' then 'claude_code'
            else coalesce(sources.source_kind, 'custom')
        end as source_kind,
        case when calls.llm_convention = 'claude_code' then 1 else coalesce(sources.source_rank, 9) end
            as source_rank,
        case
            when calls.llm_convention = 'claude_code' then not {{ var('claude_code_input_excludes_cache') }}
            else coalesce(sources.input_includes_cache_read, true)
        end as input_includes_cache_read,
        case
            when calls.llm_convention = 'claude_code' then not {{ var('claude_code_input_excludes_cache') }}
            else coalesce(sources.input_includes_cache_write, true)
        end as input_includes_cache_write
    from (
        select * from llm_spans
        union all
        select * from claude_code_calls
    ) as calls
    left join sources
        on starts_with(coalesce(calls.scope_name, ''), sources.scope_prefix)
    where true
    qualify row_number() over (partition by calls.llm_call_id order by length(sources.scope_prefix) desc) = 1

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
        scope_name,
        scope_version,
        source_kind,
        source_rank,
        response_id,
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
            when vercel_operation_id like '%.doEmbed' then 'embedding'
            else 'generation'
        end as call_type,
        request_model,
        response_model,
        coalesce(nullif(response_model, ''), nullif(request_model, '')) as model,
        -- null when the telemetry names none; default / auto / standard are the standard tier
        case
            when service_tier in ('default', 'auto', 'standard', 'standard_only', '') then 'standard'
            else service_tier
        end as service_tier,
        prompt_id,
        prompt_version,
        -- input includes cache reads and writes (GenAI semantic conventions); sources that count them
        -- apart (Claude Code, the Anthropic API's own usage block) get them added back
        coalesce(input_tokens, total_tokens - output_tokens)
        + case when input_includes_cache_read then 0 else coalesce(cache_read_tokens, 0) end
        + case when input_includes_cache_write then 0 else coalesce(cache_write_tokens, 0) end as input_tokens,
        cache_read_tokens,
        cache_write_tokens,
        coalesce(output_tokens, total_tokens - input_tokens) as output_tokens,
        reasoning_tokens,
        reported_cost_usd,
        reported_input_cost_usd,
        reported_output_cost_usd,
        reported_cache_read_cost_usd,
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
        is_streaming,
        sample_rate
    from (
        select
            unioned_with_source.*,
            {{ split_first('finish_reasons', ',') }} as split_part_first
        from unioned_with_source
    ) as with_first_reason

),

final as (

    select * from normalized

)

select * from final
