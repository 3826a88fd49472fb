with

source as (

    select * from {{ source('otlp', 'logs') }}

),

renamed as (

    select
        -- ids
        {{ hash_key(['source_file_id', 'source_offset', 'time_unix_nano', 'trace_id', 'span_id', 'event_name']) }}
            as log_id,
        nullif(trace_id, '') as trace_id,
        nullif(span_id, '') as span_id,

        -- what and when
        cast(log_at as timestamp) as logged_at,
        severity_number,
        severity_text,
        event_name,
        body,
        attributes as log_attributes,
        {{ safe_cast(json_string('attributes', 'duration_ms'), t_float()) }} as duration_ms,

        -- who
        tenant_id,
        user_hash,
        session_hash,

        -- LLM semantics (normalized by landing)
        llm_convention,
        span_type,
        feature,
        team,
        conversation_id,
        gen_ai_provider as provider_name,
        gen_ai_operation as operation_name,
        request_model,
        response_model,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
        reasoning_tokens,
        total_tokens,
        {{ money('reported_cost_usd') }} as reported_cost_usd,
        finish_reasons,
        is_streaming,
        ttft_ms,
        prompt_id,
        prompt_version,
        tool_name,
        agent_name,
        sample_rate,
        retry_attempt,
        is_fallback,
        http_status_code,
        error_type,
        eval_name,
        eval_score,
        eval_label,
        feedback_score,

        -- resource
        service_name,
        service_version,
        deployment_environment,

        -- lineage and partition
        source_file_id,
        source_offset,
        cast(date as date) as log_date

    from source

)

select * from renamed
