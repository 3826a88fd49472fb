{{ config(materialized=env_var('SPANLEDGER_VIEW_MATERIALIZATION', 'view')) }}

{#- The price book: the user's negotiated prices (model_prices_overrides) on top of the list prices
    (model_prices), and the internal provider's daily prices of self-hosted models; plus the list prices
    of other request contexts (model_price_tiers): service tiers (batch, flex, priority) and long-context
    tiers, each row a full price set for requests of that tier with more than `input_tokens_above` input
    tokens. Every other row is the standard tier from 0 input tokens, the row a call's price is matched on.
    Per million tokens; a missing cached / cache-write price means the input price, a missing reasoning
    price the output price, a missing input or output price zero, effective from `effective_from`
    (inclusive) until `effective_to` (exclusive; empty = still in effect). -#}

with

{%- set price_columns = ['effective_from', 'effective_to', 'input_usd_per_mtok', 'cached_input_usd_per_mtok',
                         'cache_write_usd_per_mtok', 'output_usd_per_mtok', 'reasoning_usd_per_mtok', 'price_source'] %}

-- the user's negotiated prices first (priority 0), then the list prices (1): standard tier, every size
{%- for name, seed, priority in [('overrides', 'model_prices_overrides', 0), ('list_prices', 'model_prices', 1)] %}
{{ name }} as (

    select
        provider,
        model_match,
        match_type,
        'standard' as service_tier,
        0 as input_tokens_above,
        {{ price_columns | join(', ') }},
        {{ priority }} as price_priority
    from {{ ref(seed) }}

),
{% endfor %}
tier_prices as (

    select
        provider,
        model_match,
        match_type,
        service_tier,
        input_tokens_above,
        {{ price_columns | join(', ') }},
        1 as price_priority
    from {{ ref('model_price_tiers') }}

),

-- the internal provider: self-hosted models at the day's GPU cost per token (int_self_hosted_prices_daily)
self_hosted as (

    select
        provider,
        model_match,
        'exact' as match_type,
        'standard' as service_tier,
        0 as input_tokens_above,
        effective_from,
        effective_to,
        usd_per_mtok as input_usd_per_mtok,
        usd_per_mtok as cached_input_usd_per_mtok,
        usd_per_mtok as cache_write_usd_per_mtok,
        usd_per_mtok as output_usd_per_mtok,
        usd_per_mtok as reasoning_usd_per_mtok,
        'self-hosted GPU cost allocated by tokens' as price_source,
        2 as price_priority
    from {{ ref('int_self_hosted_prices_daily') }}

),

unioned as (

    select * from overrides
    union all
    select * from list_prices
    union all
    select * from tier_prices
    union all
    select * from self_hosted

),

final as (

    select
        case
            when service_tier = 'standard' and input_tokens_above = 0
                then {{ hash_key(['price_priority', 'provider', 'model_match', 'match_type', 'effective_from']) }}
            else {{ hash_key([
                'price_priority', 'provider', 'model_match', 'match_type', 'effective_from', 'service_tier',
                'input_tokens_above'
            ]) }}
        end as price_id,
        lower(trim(provider)) as provider,
        lower(trim(model_match)) as model_match,
        lower(trim(match_type)) as match_type,
        lower(trim(service_tier)) as service_tier,
        cast(input_tokens_above as {{ t_int() }}) as input_tokens_above,
        service_tier = 'standard' and input_tokens_above = 0 as is_base_price,
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,
        {{ money('coalesce(input_usd_per_mtok, 0)') }} as input_usd_per_mtok,
        {{ money('coalesce(cached_input_usd_per_mtok, input_usd_per_mtok, 0)') }} as cached_input_usd_per_mtok,
        {{ money('coalesce(cache_write_usd_per_mtok, input_usd_per_mtok, 0)') }} as cache_write_usd_per_mtok,
        {{ money('coalesce(output_usd_per_mtok, 0)') }} as output_usd_per_mtok,
        {{ money('coalesce(reasoning_usd_per_mtok, output_usd_per_mtok, 0)') }} as reasoning_usd_per_mtok,
        price_source,
        price_priority,
        price_priority = 0 as is_override
    from unioned

)

select * from final
