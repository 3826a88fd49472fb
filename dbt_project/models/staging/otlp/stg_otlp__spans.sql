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
        -- the Vercel AI SDK reports time to first chunk in milliseconds under its own names
        coalesce(
            ttft_ms,
            case when span_type is not null then {{ safe_cast(
                first_json_string('attributes', ['ai.response.msToFirstChunk', 'ai.stream.msToFirstChunk']),
                t_float()
            ) }} end
        ) as ttft_ms,
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
        content_hmac,
        -- an evaluator's result on the span (OpenInference EVALUATOR spans, eval.* attributes)
        eval_name,
        eval_score,
        eval_label,

        -- what tells one provider call from another, read for LLM-typed spans only (JSON reads cost):
        -- the provider's response id, and the Vercel AI SDK's operation (its outer spans sum the steps)
        case
            when span_type is not null
                then {{ first_json_string('attributes', ['gen_ai.response.id', 'ai.response.id', 'llm.response.id']) }}
        end as response_id,
        case when span_type is not null then {{ json_string('attributes', 'ai.operationId') }} end
            as vercel_operation_id,
        -- the service tier that served the call (the response's), else the one requested
        case when span_type is not null then lower(trim({{ first_json_string('attributes', [
            'openai.response.service_tier', 'gen_ai.openai.response.service_tier',
            'openai.request.service_tier', 'gen_ai.openai.request.service_tier'
        ]) }})) end as service_tier,
        -- the parts of a reported cost (LiteLLM gen_ai.cost.*, OpenInference llm.cost.*, any-agent)
        case when reported_cost_usd is not null or span_type is not null then {{ safe_cast(
            first_json_string('attributes', ['gen_ai.cost.input_cost', 'llm.cost.prompt', 'gen_ai.usage.input_cost']),
            t_money()
        ) }} end as reported_input_cost_usd,
        case when reported_cost_usd is not null or span_type is not null then {{ safe_cast(
            first_json_string('attributes', ['gen_ai.cost.output_cost', 'llm.cost.completion', 'gen_ai.usage.output_cost']),
            t_money()
        ) }} end as reported_output_cost_usd,
        case when reported_cost_usd is not null or span_type is not null then {{ safe_cast(
            first_json_string(
                'attributes', ['gen_ai.cost.cache_read_input_token_cost', 'llm.cost.prompt_details.cache_read']
            ),
            t_money()
        ) }} end as reported_cache_read_cost_usd,

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
