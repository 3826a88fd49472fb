{{ config(**date_partitioned('usage_date')) }}

{#- Usage the price table could not price: per day, provider and model, how many calls and tokens,
    and how many of them still had a provider-reported cost. Add a row to model_prices_overrides to
    fix a model for good. -#}

with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where not has_price
        and {{ date_window('call_date') }}

),

final as (

    select
        {{ hash_key(['call_date', 'provider_id', 'provider_name', 'model']) }} as unpriced_usage_id,
        call_date as usage_date,
        coalesce(provider_id, '{{ var("unknown_label") }}') as provider,
        provider_name,
        coalesce(model, '{{ var("unknown_label") }}') as model,
        count(*) as llm_call_count,
        {{ count_where("is_unpriced") }} as unpriced_call_count,
        {{ count_where("reported_cost_usd is not null") }} as reported_cost_call_count,
        {{ token_sums(['input_tokens', 'output_tokens', 'total_tokens']) }},
        coalesce(sum(reported_cost_usd), {{ money(0) }}) as reported_cost_usd,
        count(distinct tenant_id) as tenant_count,
        min(started_at) as first_seen_at,
        max(started_at) as last_seen_at
    from calls
    group by call_date, provider_id, provider_name, model

)

select * from final
