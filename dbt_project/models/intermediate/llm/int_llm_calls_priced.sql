{{ config(**date_partitioned('call_date')) }}

{#- Cost of every LLM call (one row per call: int_llm_calls_deduplicated). The provider-reported cost
    wins when present; the calculated cost is kept beside it, so that a difference shows. Calculated:
    tokens x the price in effect when the call started. Input tokens include cache reads and writes, so
    only the uncached rest is charged at the input price; output includes reasoning tokens, charged at
    the reasoning price.

    The price is looked up under the names real telemetry carries, in order, and the first that a price
    row matches decides (negotiated overrides before list prices):
      1. exact          the response model as reported;
      2. request_model  the request model (a response snapshot the table does not know yet);
      3. alias          the names cleaned of what providers and gateways wrap them in: ARNs, Vertex
                        resource paths, Bedrock regional inference profiles (us. / eu. / apac. ...),
                        router prefixes (openai/gpt-4o), Bedrock vendor prefixes and version suffixes
                        (anthropic.claude-...-v2:0), and deployment names of seed model_aliases (Azure);
      4. family         the cleaned name without its snapshot date (gpt-4o-2024-11-20 -> gpt-4o).
    A router prefix or a Bedrock vendor names the provider whose prices apply; a call through a gateway
    (var gateway_providers) belongs to the provider its request model's router prefix names, whichever
    name then matches (litellm: anthropic/claude-... answered as claude-... is priced as Anthropic's).
    `price_match_kind` says which step matched (or `override`), and `is_cost_estimated` marks the
    request-model and family matches.

    The matched price is the standard tier's list price for a small request. The call then pays the price
    of its request context, from the same price rule (model_price_tiers via int_model_prices_unioned):
    the long-context row of the largest threshold its input tokens exceed (the whole call at that rate),
    and its service tier's row (batch, flex, priority) if the price list has one; a service tier the
    list does not price takes the multiplier of seed service_tier_multipliers on the list price, or the
    list price when there is none either (service_tier_price_kind says which). `price_id` is the
    standard-tier list row of the call's size (list cost); the unit prices columns are what it paid.

    A call with neither a reported cost nor a sound price stays unpriced (null cost), never zero; so
    does a call whose token classes do not add up. A failed call that used no tokens is not unpriced:
    it cost nothing. -#}

with

calls as (

    select * from {{ ref('int_llm_calls_deduplicated') }}
    where {{ date_window('call_date') }}

),

all_prices as (

    select * from {{ ref('int_model_prices_unioned') }}

),

prices as (

    -- a call's price is matched on the standard tier's base rows
    select * from all_prices
    where is_base_price

),

service_tier_multipliers as (

    select
        lower(trim(provider)) as provider,
        lower(trim(service_tier)) as service_tier,
        price_multiplier,
        valid_from,
        valid_to
    from {{ ref('service_tier_multipliers') }}

),

provider_aliases as (

    select
        lower(trim(provider_alias)) as provider_alias,
        lower(trim(provider)) as provider
    from {{ ref('provider_aliases') }}

),

model_aliases as (

    select
        lower(trim(provider)) as provider,
        lower(trim(model_alias)) as model_alias,
        lower(trim(model)) as model
    from {{ ref('model_aliases') }}

),

calls_with_provider as (

    select
        calls.*,
        -- the Vercel AI SDK names the provider "openai.chat", "anthropic.messages": the part before the dot
        -- a gateway serves the provider its router prefix names (litellm: anthropic/claude-...), if any
        case
            when calls.provider_name in ({{ quoted_list(var('gateway_providers')) }}) then routed.provider
            else coalesce(whole.provider, first_part.provider, calls.provider_name)
        end as provider_id,
        lower(trim(calls.response_model)) as response_key,
        lower(trim(calls.request_model)) as request_key
    from calls
    left join provider_aliases as whole
        on calls.provider_name = whole.provider_alias
    left join provider_aliases as first_part
        on {{ split_first('calls.provider_name', '.') }} = first_part.provider_alias
    left join provider_aliases as routed
        on calls.request_model like '%/%'
        and lower({{ split_first('calls.request_model', '/') }}) = routed.provider_alias

),

price_keys as (

    -- resolve each distinct (provider, names, day) once, not every call: few keys, many calls
    select
        {{ hash_key(['provider_id', 'response_key', 'request_key', 'call_date']) }} as price_key_id,
        provider_id,
        response_key,
        request_key,
        call_date
    from (
        select distinct
            provider_id,
            response_key,
            request_key,
            call_date
        from calls_with_provider
        where coalesce(response_key, request_key) is not null
    ) as distinct_keys

),

key_names as (

    -- each name cleaned of its wrappers: ARNs (…/inference-profile/<id>), Vertex resource paths
    -- (…/models/<id>) and Bedrock regional inference profiles (us.anthropic.… → anthropic.…)
    select
        sides.*,
        regexp_replace(
            regexp_replace(regexp_replace(sides.raw_name, '^arn:[^/]*/', ''), '^.*models/', ''),
            '^(us|eu|apac|global|us-gov|ca|jp|au|in)[.]',
            ''
        ) as cleaned_name
    from (
        select
            price_key_id,
            provider_id,
            1 as name_rank,
            response_key as raw_name
        from price_keys
        where response_key is not null
        union all
        select
            price_key_id,
            provider_id,
            2 as name_rank,
            request_key as raw_name
        from price_keys
        where request_key is not null
    ) as sides

),

vendored as (

    select
        named.*,
        -- the provider whose price applies: the one a router prefix or Bedrock vendor names, if any
        coalesce(vendor_aliases.provider, named.provider_id) as maker_provider,
        regexp_replace(named.base_name, '-([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}|latest)$', '') as family_name
    from (
        select
            key_names.*,
            -- a router prefix (openrouter/anthropic/claude-…: the segment before the model) or a Bedrock vendor
            case
                when strpos(key_names.cleaned_name, '/') > 0
                    then regexp_replace(regexp_replace(key_names.cleaned_name, '/[^/]*$', ''), '^.*/', '')
                when
                    key_names.provider_id = 'aws'
                    and {{ regex_contains('key_names.cleaned_name', "'^[a-z0-9-]+[.][a-z]'") }}
                    then {{ split_first('key_names.cleaned_name', '.') }}
            end as vendor_name,
            regexp_replace(
                regexp_replace(
                    regexp_replace(key_names.cleaned_name, '^.*/', ''),
                    '^(anthropic|meta|amazon|cohere|mistral|ai21|deepseek|openai|qwen|writer|moonshotai|zai)[.]',
                    ''
                ),
                '(-v[0-9]+)?(:[0-9]+)?$',
                ''
            ) as base_name
        from key_names
    ) as named
    left join provider_aliases as vendor_aliases
        on named.vendor_name = vendor_aliases.provider_alias

),

candidates as (

    -- (rank, provider, name, kind) per key: the first rank a price row matches decides
    select
        price_key_id,
        name_rank as candidate_rank,
        provider_id as candidate_provider,
        raw_name as candidate_name,
        case when name_rank = 1 then 'exact' else 'request_model' end as candidate_kind
    from vendored
    -- behind a gateway a router prefix names the maker, not a provider to match the name as is
    where not (provider_id is null and strpos(raw_name, '/') > 0)
    union all
    select
        price_key_id,
        10 + name_rank as candidate_rank,
        provider_id as candidate_provider,
        cleaned_name as candidate_name,
        'alias' as candidate_kind
    from vendored
    where cleaned_name != raw_name and not (provider_id is null and strpos(cleaned_name, '/') > 0)
    union all
    select
        price_key_id,
        20 + name_rank as candidate_rank,
        maker_provider as candidate_provider,
        base_name as candidate_name,
        'alias' as candidate_kind
    from vendored
    where base_name != raw_name
    union all
    select
        vendored.price_key_id,
        30 + vendored.name_rank as candidate_rank,
        coalesce(model_aliases.provider, vendored.provider_id) as candidate_provider,
        model_aliases.model as candidate_name,
        'alias' as candidate_kind
    from vendored
    inner join model_aliases
        on vendored.raw_name = model_aliases.model_alias
        and (vendored.provider_id = model_aliases.provider or vendored.provider_id is null)
    union all
    select
        price_key_id,
        40 + name_rank as candidate_rank,
        maker_provider as candidate_provider,
        family_name as candidate_name,
        'family' as candidate_kind
    from vendored
    where family_name != base_name

),

candidate_prices as (

    select
        candidates.price_key_id,
        candidates.candidate_kind,
        prices.*,
        row_number() over (
            partition by candidates.price_key_id
            order by
                prices.price_priority asc,
                candidates.candidate_rank asc,
                case when prices.match_type = 'exact' then 0 else 1 end,
                length(prices.model_match) desc,
                case when prices.provider in ({{ quoted_list(var('first_party_providers')) }}) then 0 else 1 end,
                prices.effective_from desc,
                prices.provider asc
        ) as price_rank
    from candidates
    inner join prices
        on (candidates.candidate_provider = prices.provider or candidates.candidate_provider is null)
        and (
            (prices.match_type = 'exact' and candidates.candidate_name = prices.model_match)
            or (prices.match_type = 'prefix' and starts_with(candidates.candidate_name, prices.model_match))
        )
    inner join price_keys
        on candidates.price_key_id = price_keys.price_key_id
        and prices.effective_from <= price_keys.call_date
        and (prices.effective_to is null or prices.effective_to > price_keys.call_date)

),

matched_price as (

    select * from candidate_prices
    where price_rank = 1

),

matched as (

    select
        calls_with_provider.*,
        matched_price.price_id as base_price_id,
        matched_price.price_priority as base_price_priority,
        matched_price.provider as price_provider,
        matched_price.model_match as price_model_match,
        matched_price.match_type as price_match_type,
        case
            when matched_price.price_id is null then null
            when matched_price.is_override then 'override'
            else matched_price.candidate_kind
        end as price_match_kind,
        -- a snapshot's family price, or the request model's while the response named another model
        coalesce(
            matched_price.candidate_kind = 'family'
            or (matched_price.candidate_kind = 'request_model' and calls_with_provider.response_key is not null),
            false
        ) as is_cost_estimated,
        matched_price.price_source,
        matched_price.is_override as is_price_override,
        matched_price.price_id is not null as has_price
    from calls_with_provider
    left join price_keys
        on calls_with_provider.provider_id is not distinct from price_keys.provider_id
        and calls_with_provider.response_key is not distinct from price_keys.response_key
        and calls_with_provider.request_key is not distinct from price_keys.request_key
        and calls_with_provider.call_date = price_keys.call_date
    left join matched_price
        on price_keys.price_key_id = matched_price.price_key_id

),

context_prices as (

    -- the matched rule's rows for the call's context: standard and its service tier, the largest
    -- input-token threshold the call exceeds first
    select
        matched.llm_call_id,
        all_prices.*,
        row_number() over (
            partition by matched.llm_call_id, all_prices.service_tier
            order by all_prices.input_tokens_above desc
        ) as context_rank
    from matched
    inner join all_prices
        on matched.base_price_priority = all_prices.price_priority
        and matched.price_provider = all_prices.provider
        and matched.price_model_match = all_prices.model_match
        and matched.price_match_type = all_prices.match_type
        and all_prices.service_tier in ('standard', matched.service_tier)
        and (all_prices.input_tokens_above = 0 or matched.input_tokens > all_prices.input_tokens_above)
        and matched.call_date >= all_prices.effective_from
        and (all_prices.effective_to is null or matched.call_date < all_prices.effective_to)
    where matched.has_price

),

multiplier_matches as (

    select
        matched.llm_call_id,
        service_tier_multipliers.price_multiplier
    from matched
    inner join service_tier_multipliers
        on matched.price_provider = service_tier_multipliers.provider
        and matched.service_tier = service_tier_multipliers.service_tier
        and matched.call_date >= service_tier_multipliers.valid_from
        and (service_tier_multipliers.valid_to is null or matched.call_date < service_tier_multipliers.valid_to)
    where matched.has_price and matched.service_tier != 'standard'

),

tiered as (

    select
        matched.*,
        list_row.price_id,
        tier_row.price_id as tier_price_id,
        list_row.input_tokens_above as long_context_input_tokens_above,
        case
            when not matched.has_price then null
            when matched.service_tier = 'standard' then 'standard'
            when tier_row.price_id is not null then 'price_table'
            when multipliers.price_multiplier is not null then 'multiplier'
            else 'list_price'
        end as service_tier_price_kind,
        case when tier_row.price_id is null then multipliers.price_multiplier end as service_tier_multiplier,
    -- what one million tokens of each kind cost this call
    {%- for kind in chargeback_usage_types() %}
    case
        when matched.has_price
            then coalesce(
                    tier_row.{{ kind.price }},
                    {{ money('list_row.' ~ kind.price ~ ' * coalesce(multipliers.price_multiplier, 1)') }}
                )
    end as {{ kind.price }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from matched
    left join context_prices as list_row
        on matched.llm_call_id = list_row.llm_call_id
        and list_row.service_tier = 'standard'
        and list_row.context_rank = 1
    left join context_prices as tier_row
        on matched.llm_call_id = tier_row.llm_call_id
        and matched.service_tier != 'standard'
        and matched.service_tier = tier_row.service_tier
        and tier_row.context_rank = 1
    left join multiplier_matches as multipliers
        on matched.llm_call_id = multipliers.llm_call_id
        and tier_row.price_id is null

),

costed as (

    select
        *,
        case when has_price and not is_token_classes_inconsistent then
            {{ usd_from_mtok_product(
                token_decimal('uncached_input_tokens') ~ ' * input_usd_per_mtok'
                ~ ' + ' ~ token_decimal('cache_read_tokens') ~ ' * cached_input_usd_per_mtok'
                ~ ' + ' ~ token_decimal('cache_write_tokens') ~ ' * cache_write_usd_per_mtok'
                ~ ' + ' ~ token_decimal('greatest(output_tokens - reasoning_tokens, 0)') ~ ' * output_usd_per_mtok'
                ~ ' + ' ~ token_decimal('least(reasoning_tokens, output_tokens)') ~ ' * reasoning_usd_per_mtok'
            ) }}
        end as calculated_cost_usd,
        -- what the cache reads would have cost at the full input price, minus what they did cost
        case when has_price then
            {{ usd_from_mtok_product(
                token_decimal('cache_read_tokens') ~ ' * (input_usd_per_mtok - cached_input_usd_per_mtok)'
            ) }}
        end as cache_savings_usd
    from tiered

),

final as (

    select
        *,
        case
            when reported_cost_usd is not null then reported_cost_usd
            when calculated_cost_usd is not null then calculated_cost_usd
            when is_error and input_tokens + output_tokens = 0 then {{ money('0') }}
        end as cost_usd,
        case
            when reported_cost_usd is not null then 'reported'
            when calculated_cost_usd is not null then 'calculated'
            when is_error and input_tokens + output_tokens = 0 then 'no_usage'
            when is_token_classes_inconsistent then 'inconsistent_tokens'
            else 'unpriced'
        end as cost_source,
        reported_cost_usd - calculated_cost_usd as reported_minus_calculated_usd,
        reported_cost_usd is null
        and calculated_cost_usd is null
        and not (is_error and input_tokens + output_tokens = 0) as is_unpriced
    from costed

)

select * from final
