{{ config(**date_partitioned('call_date')) }}

{#- LLM call errors by class per day x provider x model x prompt version: provider 5xx, rate limit,
    timeout, content filter, parse failure, cancelled, other (macro error_class, the same classes the
    prompt and streaming marts count), with the retry rate. Tool errors are counted per agent
    (fct_agents_daily). -#}

{%- set classes = ['provider_5xx', 'rate_limit', 'timeout', 'content_filter', 'parse_failure', 'cancelled', 'other'] %}

with

calls as (

    select * from {{ ref('int_prompt_calls') }}
    where {{ date_window('call_date') }}

),

keyed as (

    select
        calls.*,
        coalesce(calls.provider_name, '{{ var("unknown_label") }}') as provider_key,
        coalesce(calls.model, '{{ var("unknown_label") }}') as model_key,
        coalesce(calls.prompt_version, '{{ var("unknown_label") }}') as version_key
    from calls

),

grouped as (

    select
        call_date,
        provider_key as provider_name,
        model_key as model,
        version_key as prompt_version,
        count(*) as call_count,
        {{ count_where('is_error') }} as error_count,
        {%- for class in classes %}
        {{ count_where("error_class = '" ~ class ~ "'") }} as {{ class }}_count,
        {%- endfor %}
        {{ count_where('is_retry') }} as retry_count
    from keyed
    group by 1, 2, 3, 4

),

final as (

    select
        {{ hash_key(['call_date', 'provider_name', 'model', 'prompt_version']) }} as error_day_id,
        grouped.*,
        cast(grouped.error_count as {{ t_float() }}) / grouped.call_count as error_rate,
        cast(grouped.retry_count as {{ t_float() }}) / grouped.call_count as retry_rate
    from grouped

)

select * from final
