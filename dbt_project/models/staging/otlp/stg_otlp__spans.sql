with

source as (

    select * from {{ source('otlp', 'spans') }}

),

renamed as (

    select
        -- ids
        trace_id,
        span_id,
        nullif(parent_span_id, '') as parent_span_id,
        trace_state,

        -- what and when
        span_name,
        span_kind,
        cast(start_at as timestamp) as started_at,
        cast(end_at as timestamp) as ended_at,
        cast(duration_ms as {{ t_float() }}) as duration_ms,
        status_code,
        status_message,
        attributes as span_attributes,
        attributes_truncated as is_attributes_truncated,
        coalesce(attributes_repaired, false) as is_attributes_repaired,

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
        -- OpenInference names the model of an embedding span embedding.model_name
        coalesce(
            request_model,
            case when span_type = 'embedding' then {{ json_string('attributes', 'embedding.model_name') }} end
        ) as request_model,
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
        -- a SampleRate-style attribute, else the probability sampler's threshold in the tracestate
        coalesce(sample_rate, {{ tracestate_sample_probability('trace_state') }}) as sample_rate,
        retry_attempt,
        is_fallback,
        http_status_code,
        error_type,
        input_chars,
        output_chars,

        -- resource and scope
        service_name,
        service_version,
        service_namespace,
        deployment_environment,
        scope_name,
        scope_version,

        -- lineage and partition
        source_file_id,
        source_offset,
        cast(date as date) as span_date

    from source

)

select * from renamed
