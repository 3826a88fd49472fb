{{ config(**date_partitioned('call_date')) }}

{#- Every LLM call with the prompt it ran (name, version, rollout label) and the class of its error.

    Landing reads the common prompt keys into prompt_id / prompt_version (GenAI, OpenInference
    llm.prompt_template.*, OpenLLMetry traceloop.prompt.*, custom prompt.*). The rest are read here
    from the span attributes: Langfuse's prompt name / version, `prompt_version_id`, and the rollout
    label (production, canary, ...), which no lake column holds. A prompt set on one span of a trace
    (often a "build prompt" step, not the LLM span) applies to the trace's calls, like landing's
    trace attributes. -#}

{%- set label_keys = ['gen_ai.prompt.label', 'langfuse.observation.prompt.label', 'langfuse.prompt.label',
                      'llm.prompt_template.label', 'traceloop.prompt.label', 'prompt.label', 'app.prompt.label'] %}
{%- set name_keys = ['langfuse.observation.prompt.name', 'langfuse.prompt.name', 'prompt.name', 'prompt_name'] %}
{%- set version_keys = ['langfuse.observation.prompt.version', 'langfuse.prompt.version', 'prompt_version_id',
                        'gen_ai.prompt.version_id', 'prompt_version'] %}

with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where {{ date_window('call_date') }}

),

span_prompts as (

    select
        trace_id,
        span_id,
        parent_span_id is null as is_root,
        started_at,
        coalesce(
            {% for key in name_keys %}{{ json_string('span_attributes', key) }}{% if not loop.last %},
            {% endif %}{% endfor %}
        )
            as prompt_name,
        coalesce(
            {% for key in version_keys %}{{ json_string('span_attributes', key) }}{% if not loop.last %},
            {% endif %}{% endfor %}
        )
            as prompt_version,
        coalesce(
            {% for key in label_keys %}{{ json_string('span_attributes', key) }}{% if not loop.last %},
            {% endif %}{% endfor %}
        )
            as prompt_label
    from {{ ref('stg_otlp__spans') }}
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

trace_prompts as (

    -- the root span's value first, else the earliest span carrying one (as landing fills trace attributes)
    select
        trace_id,
        {%- for column in ['prompt_name', 'prompt_version', 'prompt_label'] %}
        max(case when {{ column }}_rank = 1 then {{ column }} end) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from (
        select
            *,
        {%- for column in ['prompt_name', 'prompt_version', 'prompt_label'] %}
        row_number() over (
            partition by trace_id
            order by
                case when {{ column }} is null then 1 else 0 end, case when is_root then 0 else 1 end,
                started_at, span_id
            ) as {{ column }}_rank{% if not loop.last %},{% endif %}
        {%- endfor %}
        from span_prompts
    ) as ranked
    group by 1

),

final as (

    select
        calls.llm_call_id,
        calls.trace_id,
        calls.span_id,
        calls.call_source,
        calls.started_at,
        calls.tenant_id,
        calls.feature,
        calls.provider_name,
        calls.model,
        calls.call_type,
        -- a version without a name is still a prompt version: named with the unknown label
        case
            when coalesce(calls.prompt_id, own.prompt_name, trace_prompts.prompt_name) is not null
                then coalesce(calls.prompt_id, own.prompt_name, trace_prompts.prompt_name)
            when coalesce(calls.prompt_version, own.prompt_version, trace_prompts.prompt_version) is not null
                then '{{ var("unknown_label") }}'
        end as prompt_name,
        coalesce(calls.prompt_version, own.prompt_version, trace_prompts.prompt_version) as prompt_version,
        lower(coalesce(own.prompt_label, trace_prompts.prompt_label)) as prompt_label,
        calls.input_tokens,
        calls.output_tokens,
        calls.total_tokens,
        calls.cost_usd,
        calls.is_unpriced,
        calls.latency_ms,
        calls.ttft_ms,
        calls.is_streaming,
        calls.finish_reason,
        calls.is_error,
        calls.is_retry,
        calls.is_refusal,
        calls.is_truncated,
        {{ error_class(
            'calls.is_error', 'calls.http_status_code', 'calls.error_type', 'calls.finish_reason', 'false'
        ) }} as error_class,
        calls.call_date
    from calls
    left join span_prompts as own
        on calls.trace_id = own.trace_id and calls.span_id = own.span_id
    left join trace_prompts
        on calls.trace_id = trace_prompts.trace_id

)

select * from final
