{{ config(**date_partitioned('call_date')) }}

{#- Cost of every LLM call. The provider-reported cost wins when present; otherwise tokens x the
    price in effect when the call started: negotiated overrides first, then an exact model match,
    then the longest prefix. Input tokens include cache reads and writes, so only the uncached rest is
    charged at the input price; output includes reasoning tokens, charged at the reasoning price.
    A call with neither a reported cost nor a price stays unpriced (null cost), never zero. -#}

with

calls as (

    select * from {{ ref('int_llm_calls_normalized') }}
    where {{ date_window('call_date') }}

),

prices as (

    select * from {{ ref('int_model_prices_unioned') }}

),

provider_aliases as (

    select
        lower(trim(provider_alias)) as provider_alias,
        lower(trim(provider)) as provider
    from {{ ref('provider_aliases') }}

),

calls_with_provider as (

    select
        calls.*,
        coalesce(provider_aliases.provider, calls.provider_name) as provider_id,
        lower(calls.model) as model_key
    from calls
    left join provider_aliases
        on calls.provider_name = provider_aliases.provider_alias

),

price_keys as (

    -- resolve each distinct (provider, model, day) once, not every call: few keys, many calls
    select distinct
        provider_id,
        model_key,
        call_date
    from calls_with_provider
    where model_key is not null

),

candidate_prices as (

    select
        price_keys.provider_id as key_provider_id,
        price_keys.model_key as key_model,
        price_keys.call_date as key_date,
        prices.*,
        row_number() over (
            partition by price_keys.provider_id, price_keys.model_key, price_keys.call_date
            order by
                prices.price_priority asc,
                case when prices.match_type = 'exact' then 0 else 1 end,
                length(prices.model_match) desc,
                prices.effective_from desc,
                prices.provider asc
        ) as price_rank
    from price_keys
    inner join prices
        on (price_keys.provider_id = prices.provider or price_keys.provider_id is null)
        and (
            (prices.match_type = 'exact' and price_keys.model_key = prices.model_match)
            or (prices.match_type = 'prefix' and starts_with(price_keys.model_key, prices.model_match))
        )
        and price_keys.call_date >= prices.effective_from
        and (prices.effective_to is null or price_keys.call_date < prices.effective_to)

),

matched_price as (

    select * from candidate_prices
    where price_rank = 1

),

costed as (

    select
        calls_with_provider.*,
        matched_price.price_id,
        matched_price.provider as price_provider,
        matched_price.model_match as price_model_match,
        matched_price.match_type as price_match_type,
        matched_price.price_source,
        matched_price.is_override as is_price_override,
        matched_price.price_id is not null as has_price,
        case when matched_price.price_id is not null then
            {{ usd_from_mtok_product(
                token_decimal('calls_with_provider.uncached_input_tokens') ~ ' * matched_price.input_usd_per_mtok'
                ~ ' + ' ~ token_decimal('calls_with_provider.cache_read_tokens') ~ ' * matched_price.cached_input_usd_per_mtok'
                ~ ' + ' ~ token_decimal('calls_with_provider.cache_write_tokens') ~ ' * matched_price.cache_write_usd_per_mtok'
                ~ ' + ' ~ token_decimal('greatest(calls_with_provider.output_tokens - calls_with_provider.reasoning_tokens, 0)') ~ ' * matched_price.output_usd_per_mtok'
                ~ ' + ' ~ token_decimal('least(calls_with_provider.reasoning_tokens, calls_with_provider.output_tokens)') ~ ' * matched_price.reasoning_usd_per_mtok'
            ) }}
        end as calculated_cost_usd,
        -- what the cache reads would have cost at the full input price, minus what they did cost
        case when matched_price.price_id is not null then
            {{ usd_from_mtok_product(
                token_decimal('calls_with_provider.cache_read_tokens')
                ~ ' * (matched_price.input_usd_per_mtok - matched_price.cached_input_usd_per_mtok)'
            ) }}
        end as cache_savings_usd
    from calls_with_provider
    left join matched_price
        on calls_with_provider.provider_id is not distinct from matched_price.key_provider_id
        and calls_with_provider.model_key = matched_price.key_model
        and calls_with_provider.call_date = matched_price.key_date

),

final as (

    select
        *,
        coalesce(reported_cost_usd, calculated_cost_usd) as cost_usd,
        case
            when reported_cost_usd is not null then 'reported'
            when calculated_cost_usd is not null then 'calculated'
            else 'unpriced'
        end as cost_source,
        reported_cost_usd is null and calculated_cost_usd is null as is_unpriced
    from costed

)

select * from final
